package io.carbide.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A repository backup as {@code bin/carbide} reads it (the manager writes it: RepositoryArchive in
 * the repository bundle, format in docs/design.md): checked whole before anything is trusted, then
 * written into a fresh manager base, where the manager's first start carries the repository into
 * a new consensus with its id, so workers that followed the old one follow it.
 */
final class BackupArchive {

    static final int FORMAT = 1;
    static final String MANIFEST = "carbide-backup.manifest";
    private static final String USERS_RECORD = "records/management.users";

    /** What the manifest says; {@code files} is every entry it lists, with its sha-256 and size. */
    record Manifest(String repositoryId, long generation, long revision, String manager, long createdAt,
            Map<String, Entry> files) {

        int contents() {
            return (int) files.keySet().stream().filter(name -> name.startsWith("repository/blobs/")).count();
        }

        long bytes() {
            return files.entrySet().stream().filter(e -> e.getKey().startsWith("repository/blobs/"))
                    .mapToLong(e -> e.getValue().size()).sum();
        }

        boolean hasUsers() {
            return files.containsKey(USERS_RECORD);
        }

        boolean hasKeys() {
            return files.containsKey(SealedKeys.ENTRY);
        }
    }

    /** What an archive holds, for {@code --json}: the same facts backup and restore print as a line. */
    static JsonObject describe(Manifest manifest) {
        JsonObject summary = new JsonObject();
        summary.addProperty("repositoryId", manifest.repositoryId());
        summary.addProperty("generation", manifest.generation());
        summary.addProperty("revision", manifest.revision());
        summary.addProperty("manager", manifest.manager());
        summary.addProperty("createdAt", manifest.createdAt());
        summary.addProperty("contents", manifest.contents());
        summary.addProperty("contentBytes", manifest.bytes());
        summary.addProperty("users", manifest.hasUsers());
        summary.addProperty("sealedKeys", manifest.hasKeys());
        return summary;
    }

    record Entry(String sha256, long size) {
    }

    /**
     * What a restore put in place: the repository's generation, and the files of the keys (none
     * unless asked); and the managers' records of kinds this build does not know, which it left out.
     */
    record Restored(long generation, List<String> keys, List<String> unknownRecords) {
    }

    /** The sealed files a restore writes, and where under the base. */
    private static final Map<String, String> KEY_FILES = Map.of(
            "cluster.secret", "conf/cluster.secret",
            "cluster.secret.next", "conf/cluster.secret.next",
            "management.p12", "conf/security/management.p12",
            "management.p12.password", "conf/security/management.p12.password");

    private BackupArchive() {
    }

    /** Reads the manifest and checks every entry it lists against its digest and size. */
    static Manifest verify(Path archive) {
        if (!Files.isRegularFile(archive)) {
            throw CommandFailure.failed("no backup at " + archive + " (no such file)");
        }
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            ZipEntry manifestEntry = zip.getEntry(MANIFEST);
            if (manifestEntry == null) {
                throw damaged(archive, "it has no manifest, so it was cut short or is no Carbide backup");
            }
            Manifest manifest = parse(archive, new String(zip.getInputStream(manifestEntry).readAllBytes(),
                    StandardCharsets.UTF_8));
            for (Map.Entry<String, Entry> file : manifest.files().entrySet()) {
                ZipEntry entry = zip.getEntry(file.getKey());
                if (entry == null) {
                    throw damaged(archive, file.getKey() + " is missing");
                }
                MessageDigest digest = sha256();
                long size;
                try (InputStream in = new DigestInputStream(zip.getInputStream(entry), digest)) {
                    size = in.transferTo(OutputStream.nullOutputStream());
                }
                String read = HexFormat.of().formatHex(digest.digest());
                if (size != file.getValue().size() || !read.equals(file.getValue().sha256())) {
                    throw damaged(archive, file.getKey() + " does not match its digest");
                }
                if (file.getKey().startsWith("repository/blobs/")
                        && !file.getKey().equals("repository/blobs/" + read)) {
                    throw damaged(archive, file.getKey() + " is not the content its name says");
                }
            }
            for (String needed : new String[] {"repository/repository.id", "repository/revisions.log"}) {
                if (!manifest.files().containsKey(needed)) {
                    throw damaged(archive, "it lacks " + needed);
                }
            }
            return manifest;
        } catch (ZipException e) {
            throw damaged(archive, "it is not a whole ZIP archive (" + e.getMessage() + "), so it was cut short");
        } catch (IOException e) {
            throw CommandFailure.failed("cannot read " + archive + ": " + e.getMessage());
        }
    }

    private static Manifest parse(Path archive, String text) {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].startsWith("carbide backup format ")) {
            throw damaged(archive, "its manifest does not start with 'carbide backup format'");
        }
        int format;
        try {
            format = Integer.parseInt(lines[0].substring("carbide backup format ".length()).strip());
        } catch (NumberFormatException e) {
            throw damaged(archive, "its manifest names no format");
        }
        if (format > FORMAT) {
            throw CommandFailure.failed(archive + " is a backup of format " + format + ", made by a later Carbide; "
                    + "restore it with that version");
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Entry> files = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] words = lines[i].strip().split(" ", 4);
            if (words[0].equals("file") && words.length == 4) {
                try {
                    files.put(words[3], new Entry(words[1], Long.parseLong(words[2])));
                } catch (NumberFormatException e) {
                    throw damaged(archive, "line " + (i + 1) + " of its manifest is not 'file SHA256 SIZE NAME'");
                }
            } else if (words.length >= 2) {
                values.put(words[0], lines[i].strip().substring(words[0].length() + 1)); // unknown keys are skipped
            }
        }
        return new Manifest(values.getOrDefault("repository", ""), number(values.get("generation")),
                number(values.get("revision")), values.getOrDefault("manager", ""), number(values.get("createdAt")),
                files);
    }

    /**
     * Writes an archive into a new manager base: {@code data/repository/} (history, id and
     * contents) and {@code conf/users.properties}. Each entry the manifest lists is checked again
     * as it is written (the file may have changed since {@link #verify}); everything goes in under
     * temporary names, forced to disk, and is renamed into place only once all of it is checked,
     * so a restore that fails or is interrupted leaves no repository a manager would start from.
     * The repository gets a generation numbered by the restore's time, so it outranks every
     * generation the fleet may have seen since the backup (a recovery, an earlier restore) and the
     * workers take its state.
     *
     * With a {@code passphrase}, the keys sealed in the archive go in too (the cluster secret and
     * the management key store), opened before anything is written, so a wrong passphrase writes
     * nothing.
     */
    static Restored restore(Path archive, Manifest manifest, Path base, char[] passphrase) throws IOException {
        Path staging = base.resolve(".restoring");
        try {
            return restoreInto(archive, manifest, base, passphrase, staging);
        } finally {
            deleteTree(staging); // nothing half-written stays, the opened keys above all
        }
    }

    private static Restored restoreInto(Path archive, Manifest manifest, Path base, char[] passphrase, Path staging)
            throws IOException {
        Path data = base.resolve("data");
        Path users = base.resolve("conf/users.properties");
        List<Path> mustBeNew = new java.util.ArrayList<>(List.of(data, base.resolve("deploy"), users));
        if (passphrase != null) {
            if (!manifest.hasKeys()) {
                throw CommandFailure.failed(archive + " holds no keys (it was taken without --with-keys); restore "
                        + "without --with-keys and copy conf/cluster.secret from another node");
            }
            KEY_FILES.values().forEach(file -> mustBeNew.add(base.resolve(file)));
        }
        for (Path held : mustBeNew) {
            if (Files.exists(held) && (!Files.isDirectory(held) || !isEmpty(held))) {
                throw CommandFailure.failed(base + " is not a new, empty base (" + held + " exists); restore into a "
                        + "new one, so nothing there mixes with the backup");
            }
        }
        deleteTree(staging);
        Files.createDirectories(staging.resolve("repository/blobs"));
        owned(base, "rwx------");
        owned(staging, "rwx------");
        long generation = Math.max(manifest.generation() + 1, System.currentTimeMillis() / 1000);
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<String> unknownRecords = new java.util.ArrayList<>();
        boolean restored = false;
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            if (passphrase != null) {
                // first: a wrong passphrase is known before a single blob is copied
                ZipEntry sealed = zip.getEntry(SealedKeys.ENTRY);
                if (sealed == null) {
                    throw damaged(archive, SealedKeys.ENTRY + " is missing");
                }
                writeKeys(archive, SealedKeys.open(verified(zip, sealed, manifest.files().get(SealedKeys.ENTRY), archive),
                        passphrase), staging.resolve("keys"));
            }
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (!seen.add(name)) {
                    throw damaged(archive, "it holds " + name + " twice");
                }
                Entry listed = manifest.files().get(name);
                if (listed == null) {
                    continue; // not listed, not checked: never written
                }
                if (name.equals(SealedKeys.ENTRY)) {
                    continue; // opened above, when asked
                }
                Path target = name.equals(USERS_RECORD) ? staging.resolve("users.properties")
                        : name.startsWith("repository/blobs/") && name.substring(17).matches("[0-9a-f]{64}")
                                ? staging.resolve("repository/blobs").resolve(name.substring(17))
                                : name.equals("repository/revisions.log") || name.equals("repository/repository.id")
                                        ? staging.resolve(name) : null;
                if (target != null) {
                    write(zip, entry, target, listed, archive);
                } else if (name.startsWith("records/")) {
                    unknownRecords.add(name); // of a later build: not put in place, so neither read nor checked
                }
            }
        }
        for (String needed : manifest.files().keySet()) {
            if (!seen.contains(needed)) {
                throw damaged(archive, needed + " is missing");
            }
        }
        checkRepository(archive, manifest, staging.resolve("repository"), generation);
        force(staging.resolve("repository/blobs"));
        force(staging.resolve("repository"));
        force(staging);
        // the repository first: users without a repository are harmless, the other way round a manager starts locked out
        Files.createDirectories(data);
        owned(data, "rwx------");
        Files.move(staging.resolve("repository"), data.resolve("repository"), StandardCopyOption.ATOMIC_MOVE);
        force(data);
        if (Files.exists(staging.resolve("users.properties"))) {
            Files.createDirectories(users.getParent());
            owned(users.getParent(), "rwx------");
            Files.move(staging.resolve("users.properties"), users, StandardCopyOption.ATOMIC_MOVE);
            force(users.getParent());
        }
        List<String> keys = new java.util.ArrayList<>();
        if (Files.isDirectory(staging.resolve("keys"))) {
            try (var written = Files.list(staging.resolve("keys"))) {
                for (Path key : written.sorted().toList()) {
                    Path target = base.resolve(KEY_FILES.getOrDefault(key.getFileName().toString(),
                            "conf/security/" + key.getFileName()));
                    Files.createDirectories(target.getParent());
                    owned(target.getParent(), "rwx------");
                    Files.move(key, target, StandardCopyOption.ATOMIC_MOVE);
                    force(target.getParent());
                    keys.add(base.relativize(target).toString());
                }
            }
        }
        deleteTree(staging);
        return new Restored(generation, keys, List.copyOf(unknownRecords));
    }

    /** An entry's bytes, checked against the manifest (small entries only: the sealed keys). */
    private static byte[] verified(ZipFile zip, ZipEntry entry, Entry listed, Path archive) throws IOException {
        if (listed.size() > 1 << 20) {
            throw damaged(archive, entry.getName() + " is " + listed.size() + " bytes, too big for sealed keys");
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(entry)) {
            bytes = in.readNBytes((int) listed.size() + 1);
        }
        if (bytes.length != listed.size() || !HexFormat.of().formatHex(sha256().digest(bytes)).equals(listed.sha256())) {
            throw damaged(archive, entry.getName() + " does not match its digest");
        }
        return bytes;
    }

    /**
     * The opened keys as owner-only files, and {@code management.crt} (public: clients trust the port
     * by it) from the key store's chain.
     */
    private static void writeKeys(Path archive, Map<String, byte[]> files, Path folder) throws IOException {
        Files.createDirectories(folder);
        owned(folder, "rwx------");
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            if (!KEY_FILES.containsKey(file.getKey())) {
                continue; // a later version's: not this one's to place
            }
            Path target = folder.resolve(file.getKey());
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(target,
                    java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                channel.write(java.nio.ByteBuffer.wrap(file.getValue()));
                channel.force(true);
            }
        }
        if (files.containsKey("management.p12") && files.containsKey("management.p12.password")) {
            try {
                java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
                char[] password = new String(files.get("management.p12.password"), StandardCharsets.UTF_8).strip()
                        .toCharArray();
                store.load(new java.io.ByteArrayInputStream(files.get("management.p12")), password);
                StringBuilder pem = new StringBuilder();
                for (String alias : java.util.Collections.list(store.aliases())) {
                    java.security.cert.Certificate[] chain = store.getCertificateChain(alias);
                    for (java.security.cert.Certificate certificate : chain == null
                            ? new java.security.cert.Certificate[0] : chain) {
                        pem.append("-----BEGIN CERTIFICATE-----\n").append(java.util.Base64.getMimeEncoder(64,
                                new byte[] {'\n'}).encodeToString(certificate.getEncoded()))
                                .append("\n-----END CERTIFICATE-----\n");
                    }
                }
                Files.writeString(folder.resolve("management.crt"), pem, StandardCharsets.US_ASCII);
                Files.setPosixFilePermissions(folder.resolve("management.crt"), PosixFilePermissions.fromString("rw-r--r--"));
            } catch (java.security.GeneralSecurityException | IOException e) {
                throw CommandFailure.failed(archive + ": the management key store it holds does not open with the "
                        + "password sealed with it (" + e.getMessage() + "); restore without --with-keys (the repository "
                        + "and users are fine) and copy conf/cluster.secret by hand");
            }
        }
    }

    /** Copies one entry to an owner-only file, checking its digest and size, and forces it to disk. */
    private static void write(ZipFile zip, ZipEntry entry, Path target, Entry listed, Path archive) throws IOException {
        MessageDigest digest = sha256();
        long size;
        try (InputStream in = new DigestInputStream(zip.getInputStream(entry), digest);
                java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(target,
                        java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            size = in.transferTo(java.nio.channels.Channels.newOutputStream(channel));
            channel.force(true);
        }
        if (size != listed.size() || !HexFormat.of().formatHex(digest.digest()).equals(listed.sha256())) {
            throw damaged(archive, entry.getName() + " does not match its digest");
        }
    }

    /**
     * The id is the manifest's, every content the history refers to is there, and the id file gets
     * the restore's generation (the rest of it as the backup had it).
     */
    private static void checkRepository(Path archive, Manifest manifest, Path repository, long generation)
            throws IOException {
        List<String> id = Files.readAllLines(repository.resolve("repository.id"), StandardCharsets.US_ASCII);
        if (id.isEmpty() || id.get(0).isBlank() || !id.get(0).strip().equals(manifest.repositoryId())) {
            throw damaged(archive, "its repository.id does not name repository " + manifest.repositoryId());
        }
        for (String line : Files.readAllLines(repository.resolve("revisions.log"), StandardCharsets.UTF_8)) {
            String[] fields = line.split("\t");
            if (fields.length > 3 && fields[1].equals("put") && !Files.exists(repository.resolve("blobs").resolve(fields[3]))) {
                throw damaged(archive, "its history refers to content " + fields[3] + " it does not hold");
            }
        }
        StringBuilder rewritten = new StringBuilder(id.get(0).strip()).append('\n');
        rewritten.append("generation ").append(generation).append('\n');
        id.stream().skip(1).filter(line -> !line.startsWith("generation ")).forEach(line -> rewritten.append(line)
                .append('\n'));
        Path written = repository.resolve("repository.id.new");
        Files.writeString(written, rewritten, StandardCharsets.US_ASCII);
        force(written);
        Files.move(written, repository.resolve("repository.id"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean isEmpty(Path folder) throws IOException {
        try (var list = Files.list(folder)) {
            return list.findAny().isEmpty();
        }
    }

    private static void force(Path path) throws IOException {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(path,
                java.nio.file.StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void owned(Path path, String permissions) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (IOException | UnsupportedOperationException e) {
            // a file system without POSIX permissions: the folder's own protection applies
        }
    }

    private static void deleteTree(Path tree) throws IOException {
        if (!Files.exists(tree)) {
            return;
        }
        try (var walk = Files.walk(tree)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static CommandFailure damaged(Path archive, String why) {
        return CommandFailure.failed(archive + " is not a usable backup: " + why + "; take a new one with "
                + "bin/carbide backup FILE");
    }

    private static long number(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
