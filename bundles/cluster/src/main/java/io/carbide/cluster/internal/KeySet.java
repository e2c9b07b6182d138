package io.carbide.cluster.internal;

import java.util.List;

/**
 * The cluster keys a node works with at one moment ({@link SecretRotation}): the keys it seals
 * its messages and signs its join proofs with, the keys whose messages and proofs it accepts
 * (during a rotation of the cluster secret, the current and the next), and the keys a rotation on
 * this node retired, which it recognises only to tell a node still holding one what to do.
 */
record KeySet(ClusterKeys sealing, List<ClusterKeys> accepted, List<ClusterKeys> retired) {

    KeySet {
        accepted = List.copyOf(accepted);
        retired = List.copyOf(retired);
    }

    /** One secret, no rotation. */
    static KeySet of(ClusterKeys only) {
        return new KeySet(only, List.of(only), List.of());
    }
}
