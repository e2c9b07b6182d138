/**
 * The cluster as other bundles see it: the members of the node's cluster domain with their
 * sub-domains, and typed messages between members. Which manager is the authority is the
 * repository's business ({@code io.carbide.deployment.FleetAuthority}), not membership's.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.2.0")
package io.carbide.cluster;
