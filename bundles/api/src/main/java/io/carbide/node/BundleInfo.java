package io.carbide.node;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * One bundle of a node, as operators see it in a console: id, symbolic name, version, state (by
 * the names Felix and Karaf consoles use) and the roles its {@code Carbide-Role} header declares.
 *
 * <p>Any member of the cluster answers a {@value #REQUEST_TYPE} request with its bundles, so a
 * manager can show a worker's bundles without a management port on the worker.
 */
public record BundleInfo(long id, String symbolicName, String version, String state, String roles) {

    /** Cluster request type answered by every node with its bundle list. */
    public static final String REQUEST_TYPE = "node.bundles";
    public static final int ENCODING_VERSION = 1;

    /** The bundles of the framework {@code context} belongs to, the framework itself left out. */
    public static List<BundleInfo> of(BundleContext context) {
        List<BundleInfo> bundles = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getBundleId() == 0) {
                continue;
            }
            String roles = bundle.getHeaders("").get(Role.HEADER);
            bundles.add(new BundleInfo(bundle.getBundleId(), bundle.getSymbolicName(), bundle.getVersion().toString(),
                    stateName(bundle.getState()), roles == null ? "any" : roles));
        }
        return bundles;
    }

    /** Bundle states by the names operators know from Felix and Karaf consoles. */
    public static String stateName(int state) {
        return switch (state) {
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNKNOWN(" + state + ")";
        };
    }

    /** One bundle per line, fields separated by tabs: none of them can hold a tab or a newline. */
    public static byte[] encode(List<BundleInfo> bundles) {
        StringBuilder text = new StringBuilder();
        for (BundleInfo b : bundles) {
            text.append(b.id).append('\t').append(clean(b.symbolicName)).append('\t').append(clean(b.version))
                    .append('\t').append(clean(b.state)).append('\t').append(clean(b.roles)).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static List<BundleInfo> decode(byte[] payload) {
        List<BundleInfo> bundles = new ArrayList<>();
        for (String line : new String(payload, StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length == 5) {
                bundles.add(new BundleInfo(Long.parseLong(f[0]), f[1], f[2], f[3], f[4]));
            }
        }
        return bundles;
    }

    private static String clean(String value) {
        return value == null ? "" : value.replace('\t', ' ').replace('\n', ' ');
    }
}
