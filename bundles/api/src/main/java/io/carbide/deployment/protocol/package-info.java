/**
 * The replication protocol between the authority manager and the nodes that run artifacts: the
 * cluster message types and their compact, versioned encodings. Shared by both sides so they can
 * never disagree on a byte.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.5.0")
package io.carbide.deployment.protocol;
