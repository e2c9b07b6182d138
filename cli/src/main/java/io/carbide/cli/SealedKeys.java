package io.carbide.cli;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opens the keys a backup holds when it was taken with {@code --with-keys} ({@code
 * secrets/secrets.enc}, sealed by the manager's BackupSecrets; format in docs/design.md): the
 * header names the key derivation and the cipher, and is authenticated with what it seals.
 */
final class SealedKeys {

    static final String ENTRY = "secrets/secrets.enc";
    /** More than this would take minutes to derive: a damaged or hostile header, not a backup. */
    private static final int MAX_ITERATIONS = 10_000_000;

    private SealedKeys() {
    }

    /** The files sealed in {@code sealed}, by name ({@code cluster.secret}, {@code management.p12}, ...). */
    static Map<String, byte[]> open(byte[] sealed, char[] passphrase) {
        int end = indexOfBlankLine(sealed);
        if (end < 0) {
            throw CommandFailure.failed("the archive's sealed keys have no header; take a new backup with --with-keys");
        }
        byte[] header = Arrays.copyOf(sealed, end + 2);
        String[] lines = new String(header, StandardCharsets.US_ASCII).split("\n");
        if (lines.length < 3) {
            throw CommandFailure.failed("the archive's sealed keys have no header; take a new backup with --with-keys");
        }
        String[] kdf = lines.length > 1 ? lines[1].split(" ") : new String[0];
        String[] cipherLine = lines.length > 2 ? lines[2].split(" ") : new String[0];
        if (!lines[0].equals("carbide secrets format 1") || kdf.length != 4 || !kdf[1].equals("pbkdf2-hmac-sha256")
                || cipherLine.length != 3 || !cipherLine[1].equals("aes-256-gcm")) {
            throw CommandFailure.failed("the archive's sealed keys are in a form this bin/carbide does not know ("
                    + lines[0] + "); restore them with the Carbide version that took the backup");
        }
        byte[] plain = null;
        try {
            int iterations = Integer.parseInt(kdf[2]);
            if (iterations < 1 || iterations > MAX_ITERATIONS) {
                throw new NumberFormatException("iterations " + iterations);
            }
            PBEKeySpec spec = new PBEKeySpec(passphrase, HexFormat.of().parseHex(kdf[3]), iterations, 256);
            byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            spec.clearPassword();
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(128, HexFormat.of().parseHex(cipherLine[2])));
            Arrays.fill(key, (byte) 0);
            cipher.updateAAD(header);
            plain = cipher.doFinal(sealed, header.length, sealed.length - header.length);
            Map<String, byte[]> files = new LinkedHashMap<>();
            for (String line : new String(plain, StandardCharsets.UTF_8).split("\n")) {
                int equals = line.indexOf('=');
                if (equals > 0 && !line.startsWith("format=") && !line.startsWith("manager=")) {
                    files.put(line.substring(0, equals), Base64.getDecoder().decode(line.substring(equals + 1)));
                }
            }
            return files;
        } catch (AEADBadTagException wrong) {
            throw CommandFailure.failed("the passphrase does not open the archive's keys (or they were changed); "
                    + "nothing was restored");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw CommandFailure.failed("the archive's sealed keys cannot be read (" + e.getMessage() + "); nothing "
                    + "was restored");
        } finally {
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }

    private static int indexOfBlankLine(byte[] bytes) {
        for (int i = 0; i + 1 < Math.min(bytes.length, 4096); i++) {
            if (bytes[i] == '\n' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
