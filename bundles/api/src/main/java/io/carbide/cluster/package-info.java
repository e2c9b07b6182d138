/**
 * The cluster as other bundles see it: the members of the node's cluster domain with their
 * sub-domains, which manager is the authority, and typed messages between members.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.carbide.cluster;
