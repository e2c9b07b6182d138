package io.carbide.management.internal;

import io.carbide.node.NodeIdentity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a backup holds only when an admin asks, sealed under their passphrase: the cluster secret
 * (and a next one during a rotation) and this manager's management key store with its password.
 * One entry, {@value #ENTRY}; {@code bin/carbide restore} opens it (format in docs/design.md):
 *
 * <pre>
 * carbide secrets format 1
 * kdf pbkdf2-hmac-sha256 ITERATIONS SALT-HEX
 * cipher aes-256-gcm NONCE-HEX
 * (blank line)
 * AES-GCM of "key=base64" lines, the header above as associated data
 * </pre>
 *
 * The cluster secret is looked for where the cluster bundle takes it from: {@code
 * CARBIDE_CLUSTER_SECRET}, else {@code conf/cluster.secret} of the base, else of the installation.
 */
final class BackupSecrets {

    static final String ENTRY = "secrets/secrets.enc";
    static final int MINIMUM_PASSPHRASE = 12;
    private static final int ITERATIONS = 600_000;

    private BackupSecrets() {
    }

    /** The sealed entry, or an error naming the file that is missing or the passphrase that is too short. */
    static byte[] seal(NodeIdentity node, char[] passphrase) throws IOException {
        if (passphrase.length < MINIMUM_PASSPHRASE) {
            throw new IllegalArgumentException("the passphrase is " + passphrase.length + " characters long; give "
                    + MINIMUM_PASSPHRASE + " or more, since it is all that protects the keys in the archive");
        }
        StringBuilder payload = new StringBuilder("format=1\nmanager=" + node.name() + "\n");
        String fromEnvironment = System.getenv("CARBIDE_CLUSTER_SECRET");
        Path secretFile = Files.isRegularFile(node.base().resolve("conf/cluster.secret"))
                ? node.base().resolve("conf/cluster.secret") : node.home().resolve("conf/cluster.secret");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            add(payload, "cluster.secret", fromEnvironment.strip().getBytes(StandardCharsets.UTF_8));
            String next = System.getenv("CARBIDE_CLUSTER_SECRET_NEXT");
            if (next != null && !next.isBlank()) {
                add(payload, "cluster.secret.next", next.strip().getBytes(StandardCharsets.UTF_8));
            }
        } else {
            add(payload, "cluster.secret", read(secretFile));
            Path next = Files.isRegularFile(node.base().resolve("conf/cluster.secret.next"))
                    ? node.base().resolve("conf/cluster.secret.next") : secretFile.resolveSibling("cluster.secret.next");
            if (Files.isRegularFile(next)) {
                add(payload, "cluster.secret.next", read(next));
            }
        }
        Path security = node.base().resolve("conf/security");
        if (Files.isRegularFile(security.resolve("management.p12"))) {
            add(payload, "management.p12", read(security.resolve("management.p12")));
            add(payload, "management.p12.password", read(security.resolve("management.p12.password")));
        }
        byte[] plain = payload.toString().getBytes(StandardCharsets.UTF_8);
        try {
            SecureRandom random = new SecureRandom();
            byte[] salt = new byte[16];
            byte[] nonce = new byte[12];
            random.nextBytes(salt);
            random.nextBytes(nonce);
            byte[] header = ("carbide secrets format 1\nkdf pbkdf2-hmac-sha256 " + ITERATIONS + " "
                    + HexFormat.of().formatHex(salt) + "\ncipher aes-256-gcm " + HexFormat.of().formatHex(nonce) + "\n\n")
                    .getBytes(StandardCharsets.US_ASCII);
            PBEKeySpec spec = new PBEKeySpec(passphrase, salt, ITERATIONS, 256);
            byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            spec.clearPassword();
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            Arrays.fill(key, (byte) 0);
            cipher.updateAAD(header);
            ByteArrayOutputStream sealed = new ByteArrayOutputStream();
            sealed.write(header);
            sealed.write(cipher.doFinal(plain));
            return sealed.toByteArray();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot seal the secrets: " + e, e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static void add(StringBuilder payload, String name, byte[] bytes) {
        payload.append(name).append('=').append(Base64.getEncoder().encodeToString(bytes)).append('\n');
        Arrays.fill(bytes, (byte) 0);
    }

    private static byte[] read(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("there is no " + file + " to back up");
        }
    }
}
