package io.carbide.deployment;

/** Told after every change to the repository on this node (whiteboard). */
public interface RepositoryListener {

    void revisionChanged(long revision);
}
