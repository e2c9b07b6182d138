package io.carbide.deployment.internal;

import io.carbide.deployment.Artifact;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Fetches the content of a batch's next changes while the current one deploys, so a batch of many
 * small artifacts does not wait for one round trip and one disk flush after another. At most
 * {@link #AHEAD} fetches run at once on this node (a content port serves a few streams at a time to
 * the whole fleet; the content of small artifacts mostly arrives with the sync's answer and costs
 * no stream), content is fetched once per digest, and what is already here is not fetched at all.
 * Deploying stays in revision order on the caller's thread; only the bytes come early.
 */
final class FetchAhead implements AutoCloseable {

    /** Changes whose content is fetched ahead of the one deploying. */
    static final int AHEAD = 2;

    /** Fetches one artifact's content into this node's verified copy. */
    interface Fetch {
        Path fetch(Artifact artifact) throws IOException;
    }

    private final List<Artifact> batch;
    private final VerifiedBlobs blobs;
    private final Fetch fetch;
    private final Map<String, Future<Path>> started = new HashMap<>();
    private ExecutorService fetchers;
    private int next;

    /** @param batch the changes in the order they deploy */
    FetchAhead(List<Artifact> batch, VerifiedBlobs blobs, Fetch fetch) {
        this.batch = batch;
        this.blobs = blobs;
        this.fetch = fetch;
    }

    /**
     * The content of the change at {@code index} of the batch, fetched ahead or now; before it
     * waits, the fetches of the next changes are started.
     */
    Path content(int index, Artifact artifact) throws IOException {
        startUpTo(index + AHEAD);
        Future<Path> ahead = started.remove(artifact.sha256());
        if (ahead == null) {
            return fetch.fetch(artifact);
        }
        try {
            return ahead.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + artifact.name(), e);
        }
    }

    private void startUpTo(int last) {
        for (; next <= last && next < batch.size(); next++) {
            Artifact upcoming = batch.get(next);
            if (upcoming.deleted() || started.containsKey(upcoming.sha256())
                    || blobs.get(upcoming.sha256()).isPresent()) {
                continue; // nothing to fetch, or fetched already: the deploy checks what is here itself
            }
            if (fetchers == null) {
                fetchers = Executors.newFixedThreadPool(AHEAD, r -> {
                    Thread thread = new Thread(r, "carbide-fetch-ahead");
                    thread.setDaemon(true);
                    return thread;
                });
            }
            started.put(upcoming.sha256(), fetchers.submit(() -> fetch.fetch(upcoming)));
        }
    }

    /**
     * Drops the fetches not started yet and waits for those under way: the batch's content is
     * looked over for what to keep only after this, and a part file is never written meanwhile.
     */
    @Override
    public void close() {
        if (fetchers == null) {
            return;
        }
        started.values().forEach(f -> f.cancel(false));
        fetchers.shutdown();
        try {
            fetchers.awaitTermination(1, TimeUnit.HOURS); // a fetch that stalls is ended by its own watchdog
        } catch (InterruptedException e) {
            // the node is stopping: the fetches are asked to stop, and still waited for a while,
            // so no part file is written after the batch is over
            fetchers.shutdownNow();
            try {
                fetchers.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException again) {
                // give up waiting; the threads are daemons
            }
            Thread.currentThread().interrupt();
        }
    }
}
