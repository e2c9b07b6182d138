/**
 * Artifacts and their deployment: the manager's repository (content-addressed, one revision per
 * change), the state each node reports for each artifact, and web applications on the client port.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.3.0")
package io.carbide.deployment;
