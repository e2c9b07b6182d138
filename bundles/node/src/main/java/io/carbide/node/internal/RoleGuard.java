package io.carbide.node.internal;

import io.carbide.node.NodeIdentity;
import io.carbide.node.Role;
import java.util.Collection;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.hooks.resolver.ResolverHook;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps bundles of a role this node lacks from ever resolving, however they got installed: a
 * feature that lists one by mistake, a file dropped into a folder, a call from another bundle.
 * The launcher already refuses such bundles before installing them; this is the guard for every
 * other way in. A refused bundle stays INSTALLED and can never start, and the log says why once.
 */
@Component(service = ResolverHookFactory.class, immediate = true)
public class RoleGuard implements ResolverHookFactory {

    private static final Logger LOG = LoggerFactory.getLogger(RoleGuard.class);

    private final NodeIdentity node;
    private final Set<Long> alreadyReported = ConcurrentHashMap.newKeySet();

    @Activate
    public RoleGuard(@Reference NodeIdentity node) {
        this.node = node;
    }

    /** Whether the node may run this bundle; a malformed role header counts as "no". */
    boolean admits(Bundle bundle) {
        try {
            return Role.admits(node.roles(), Role.ofHeader(bundle.getHeaders("").get(Role.HEADER)));
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    @Override
    public ResolverHook begin(Collection<BundleRevision> triggers) {
        return new ResolverHook() {
            @Override
            public void filterResolvable(Collection<BundleRevision> candidates) {
                for (Iterator<BundleRevision> it = candidates.iterator(); it.hasNext(); ) {
                    Bundle bundle = it.next().getBundle();
                    if (!admits(bundle)) {
                        it.remove();
                        report(bundle);
                    }
                }
            }

            @Override
            public void filterSingletonCollisions(BundleCapability singleton, Collection<BundleCapability> candidates) {
            }

            @Override
            public void filterMatches(BundleRequirement requirement, Collection<BundleCapability> candidates) {
            }

            @Override
            public void end() {
            }
        };
    }

    private void report(Bundle bundle) {
        if (alreadyReported.add(bundle.getBundleId())) {
            LOG.warn("Refused bundle {} {} ({}): it declares {}: {} and node {} runs profile {} (roles: {}); "
                            + "it will not start here, remove it or run it on a node whose profile has that role",
                    bundle.getSymbolicName(), bundle.getVersion(), bundle.getLocation(), Role.HEADER,
                    bundle.getHeaders("").get(Role.HEADER), node.name(), node.profile(), Role.labels(node.roles()));
        }
    }
}
