package io.carbide.cluster.internal;

import io.carbide.cluster.Cluster;
import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.ClusterPing;
import io.carbide.cluster.MessageHandler;
import io.carbide.cluster.SubDomain;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Pings a sub-domain: one {@code cluster.ping} to every member of it, each answering with a
 * {@code cluster.pong} to the sender. Payloads are a nonce (8 bytes) so answers to an older ping
 * are not counted.
 */
@Component(service = {ClusterPing.class, MessageHandler.class},
        property = {MessageHandler.TYPE + "=" + PingService.PING, MessageHandler.TYPE + "=" + PingService.PONG})
public class PingService implements ClusterPing, MessageHandler {

    static final String PING = "cluster.ping";
    static final String PONG = "cluster.pong";

    private final Cluster cluster;
    private final Map<Long, List<Reply>> open = new ConcurrentHashMap<>();
    private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();

    @Activate
    public PingService(@Reference Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public List<Reply> ping(Optional<SubDomain> subDomain, Duration wait) {
        long nonce = ThreadLocalRandom.current().nextLong();
        List<Reply> replies = new CopyOnWriteArrayList<>();
        open.put(nonce, replies);
        sentAt.put(nonce, System.nanoTime());
        ClusterMessage ping = new ClusterMessage(PING, 1, ByteBuffer.allocate(Long.BYTES).putLong(nonce).array());
        try {
            if (subDomain.isPresent()) {
                cluster.sendTo(subDomain.get(), ping);
            } else {
                cluster.sendToAll(ping);
            }
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(nonce);
            sentAt.remove(nonce);
        }
        List<Reply> sorted = new ArrayList<>(replies);
        sorted.sort(Comparator.comparing(Reply::member));
        return sorted;
    }

    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) {
        if (message.payload().length != Long.BYTES) {
            throw new IllegalArgumentException(message.type() + " payload must be 8 bytes");
        }
        if (message.type().equals(PING)) {
            cluster.sendTo(from.name(), new ClusterMessage(PONG, 1, message.payload()));
        } else {
            long nonce = ByteBuffer.wrap(message.payload()).getLong();
            List<Reply> replies = open.get(nonce);
            Long sent = sentAt.get(nonce);
            if (replies != null && sent != null) {
                replies.add(new Reply(from.name(), from.subDomains().stream().map(SubDomain::label).toList(),
                        (System.nanoTime() - sent) / 1_000_000));
            }
        }
        return null;
    }
}
