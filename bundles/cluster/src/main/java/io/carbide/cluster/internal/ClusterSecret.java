package io.carbide.cluster.internal;

import io.carbide.node.AtomicFile;
import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the cluster's shared secret: the environment variable {@code CARBIDE_CLUSTER_SECRET}, else
 * {@code conf/cluster.secret} in the node's base, else in the installation. When there is none,
 * the first node generates one into the installation's {@code conf/} (readable by its owner
 * only), so the nodes of one unpacked distribution share it; copy that file to the other hosts.
 * The secret itself is never logged.
 */
final class ClusterSecret {

    static final String ENVIRONMENT_VARIABLE = "CARBIDE_CLUSTER_SECRET";
    static final String FILE_NAME = "cluster.secret";
    /** A human-chosen secret shorter than this can be guessed offline from captured traffic. */
    static final int MINIMUM_LENGTH = 32;
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSecret.class);

    private ClusterSecret() {
    }

    /** Read afresh at every join attempt, so a secret the operator fixed is taken without a restart. */
    static byte[] load(NodeIdentity node, boolean allowWeak) throws IOException {
        String fromEnvironment = System.getenv(ENVIRONMENT_VARIABLE);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return checked(fromEnvironment.strip(), "environment variable " + ENVIRONMENT_VARIABLE, allowWeak);
        }
        Path own = node.base().resolve("conf").resolve(FILE_NAME);
        if (Files.isRegularFile(own)) {
            return checked(read(own, own), own.toString(), allowWeak);
        }
        Path shared = node.home().resolve("conf").resolve(FILE_NAME);
        if (!Files.isRegularFile(shared)) {
            try {
                generate(shared);
            } catch (java.nio.file.AccessDeniedException e) {
                throw new IOException("there is no cluster secret, and this node's user ("
                        + System.getProperty("user.name") + ") cannot create " + shared + "; put the cluster's secret "
                        + "in " + own + " (readable by that user only), or start a node once as the installation's owner "
                        + "to generate it");
            }
        }
        return checked(read(shared, own), shared.toString(), allowWeak);
    }

    /** The secret in the file, or an error that says whose file it is and where a copy may go instead. */
    private static String read(Path file, Path own) throws IOException {
        try {
            return Files.readString(file).strip();
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("this node's user (" + System.getProperty("user.name") + ") cannot read the cluster "
                    + "secret " + file + "; let that user read it, or put a copy in " + own
                    + " owned by that user (mode 600)");
        }
    }

    static byte[] checked(String secret, String source, boolean allowWeak) throws IOException {
        if (secret.isEmpty() || secret.length() < MINIMUM_LENGTH && !allowWeak) {
            throw new IOException("the cluster secret in " + source + " is " + secret.length() + " characters long, "
                    + "shorter than " + MINIMUM_LENGTH + ": a short secret can be guessed from captured traffic; use a "
                    + "long random string (delete the file to have one generated), or set "
                    + "carbide.cluster.allowWeakSecret=true");
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    private static void generate(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n";
        // if another node generated one meanwhile, theirs stands and both agree
        if (AtomicFile.createPrivate(file, secret.getBytes(StandardCharsets.US_ASCII))) {
            LOG.info("Generated a cluster secret in {}: nodes on other hosts need a copy of that file to join", file);
        }
    }
}
