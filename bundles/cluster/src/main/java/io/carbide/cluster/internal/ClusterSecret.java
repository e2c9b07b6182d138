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
 * During a rotation a next secret lies beside it ({@link #NEXT_FILE_NAME}); see {@link SecretRotation}.
 * The secret itself is never logged.
 */
final class ClusterSecret {

    static final String ENVIRONMENT_VARIABLE = "CARBIDE_CLUSTER_SECRET";
    static final String FILE_NAME = "cluster.secret";
    /** During a rotation: the secret the domain moves to, accepted beside the current one. */
    static final String NEXT_FILE_NAME = "cluster.secret.next";
    /** A human-chosen secret shorter than this can be guessed offline from captured traffic. */
    static final int MINIMUM_LENGTH = 32;
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSecret.class);

    private ClusterSecret() {
    }

    /**
     * The secrets this node holds now: the current one and, during a rotation, the next one beside
     * it (the environment variable {@code CARBIDE_CLUSTER_SECRET_NEXT}, or {@code cluster.secret.next}
     * in the base's {@code conf/}, else in the folder the current one came from). Read afresh at every join attempt and every few
     * seconds while joined ({@link SecretRotation}), so a secret the operator fixed or rotated is
     * taken without a restart; only a join attempt may generate a first secret.
     */
    static Held load(NodeIdentity node, boolean allowWeak, boolean mayGenerate) throws IOException {
        String fromEnvironment = System.getenv(ENVIRONMENT_VARIABLE);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            String next = System.getenv(ENVIRONMENT_VARIABLE + "_NEXT");
            String nextSource = "environment variable " + ENVIRONMENT_VARIABLE + "_NEXT";
            byte[] current = checked(fromEnvironment.strip(), "environment variable " + ENVIRONMENT_VARIABLE, allowWeak);
            try {
                return new Held(current, next == null || next.isBlank() ? null : checked(next.strip(), nextSource,
                        allowWeak), nextSource);
            } catch (IOException unusable) {
                return new Held(current, null, nextSource, unusable.getMessage());
            }
        }
        Path own = node.base().resolve("conf").resolve(FILE_NAME);
        if (Files.isRegularFile(own)) {
            return held(own, own, allowWeak);
        }
        Path shared = node.home().resolve("conf").resolve(FILE_NAME);
        if (!Files.isRegularFile(shared)) {
            if (!mayGenerate) {
                throw new IOException("there is no cluster secret in " + own + " or " + shared + " any more");
            }
            try {
                generate(shared);
            } catch (java.nio.file.AccessDeniedException e) {
                throw new IOException("there is no cluster secret, and this node's user ("
                        + System.getProperty("user.name") + ") cannot create " + shared + "; put the cluster's secret "
                        + "in " + own + " (readable by that user only), or start a node once as the installation's owner "
                        + "to generate it");
            }
        }
        return held(shared, own, allowWeak);
    }

    /**
     * The secret in {@code file} and, when there is one, the next secret: in the node's own
     * {@code conf/} (where an operator rotating node by node puts it, even when the current one is
     * the installation's), else beside the current one.
     */
    private static Held held(Path file, Path own, boolean allowWeak) throws IOException {
        byte[] current = checked(read(file, own), file.toString(), allowWeak);
        Path nextFile = Files.isRegularFile(own.resolveSibling(NEXT_FILE_NAME)) ? own.resolveSibling(NEXT_FILE_NAME)
                : file.resolveSibling(NEXT_FILE_NAME);
        if (!Files.isRegularFile(nextFile)) {
            return new Held(current, null, nextFile.toString(), null);
        }
        try {
            return new Held(current, checked(read(nextFile, own.resolveSibling(NEXT_FILE_NAME)), nextFile.toString(),
                    allowWeak), nextFile.toString(), null);
        } catch (IOException unusable) {
            // a bad next secret must not cost the node its current one
            return new Held(current, null, nextFile.toString(), unusable.getMessage());
        }
    }

    /**
     * A node's secrets as read: the current one, and the next one or null, with where the next one
     * is looked for and, when it is there but cannot be used, why.
     */
    record Held(byte[] current, byte[] next, String nextSource, String nextProblem) {
        Held(byte[] current, byte[] next, String nextSource) {
            this(current, next, nextSource, null);
        }
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
