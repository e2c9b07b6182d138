/**
 * What a Carbide node is: its name, profile, roles and read-only mode, and the parts that report
 * into its status ({@code bin/status.sh --json}) and its {@code /health} endpoint.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.3.0")
package io.carbide.node;
