package io.carbide.cluster;

/**
 * Told of every membership change (register as a service: whiteboard). A view with
 * {@link ClusterView#merged()} set follows a healed partition: reconcile replicated state then.
 */
public interface MembershipListener {

    void viewChanged(ClusterView view);
}
