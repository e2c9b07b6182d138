package io.carbide.node.internal;

import io.carbide.cluster.ClusterMember;
import io.carbide.cluster.ClusterMessage;
import io.carbide.cluster.MessageHandler;
import io.carbide.node.BundleInfo;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Answers a manager's request for this node's bundles over the cluster. Workers have no
 * management port, so this is how the console shows what runs on them.
 */
@Component(property = MessageHandler.TYPE + "=" + BundleInfo.REQUEST_TYPE)
public class BundlesRequestHandler implements MessageHandler {

    private final BundleContext context;

    @Activate
    public BundlesRequestHandler(BundleContext context) {
        this.context = context;
    }

    @Override
    public ClusterMessage handle(ClusterMember from, ClusterMessage message) {
        return new ClusterMessage(BundleInfo.REQUEST_TYPE, BundleInfo.ENCODING_VERSION,
                BundleInfo.encode(BundleInfo.of(context)));
    }
}
