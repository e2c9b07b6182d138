package io.carbide.repository.internal;

import io.carbide.cluster.ManagerRecords;
import io.carbide.deployment.Artifact;
import io.carbide.deployment.RepositoryBackup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a repository backup: a ZIP archive whose entries are what a fresh manager base needs to
 * carry the repository into a new consensus with its lineage, and, last, a manifest with the
 * sha-256 and size of every other entry. A reader ({@code bin/carbide restore}) refuses an archive
 * whose manifest is missing (cut short) or does not match. Format 1:
 *
 * <pre>
 * repository/repository.id    ID, generation G, retainedFrom R (as data/repository/repository.id)
 * repository/revisions.log    the kept history (as data/repository/revisions.log)
 * repository/blobs/SHA256     every content the kept history refers to
 * records/KEY                 each manager-only record (records/management.users: the users table)
 * carbide-backup.manifest     "carbide backup format 1", then key-value lines (repository, generation,
 *                             revision, retainedFrom, createdAt, manager) and "file SHA256 SIZE NAME" lines;
 *                             a reader skips keys it does not know
 * </pre>
 *
 * Entries are deflated at the fastest level (artifacts are mostly archives already), and the
 * digest of each content is checked against the name it is stored under as it is copied.
 */
final class RepositoryArchive {

    static final int FORMAT = 1;
    static final String MANIFEST = "carbide-backup.manifest";

    private RepositoryArchive() {
    }

    static RepositoryBackup.Summary write(RevisionStateMachine.BackupView view, BlobStore blobs, String manager,
            OutputStream out, Map<String, byte[]> alongside) throws IOException {
        for (String name : alongside.keySet()) {
            if (name.startsWith("repository/") || name.startsWith("records/") || name.equals(MANIFEST)) {
                throw new IllegalArgumentException(name + " is a name of the archive's own");
            }
        }
        StringBuilder manifest = new StringBuilder("carbide backup format " + FORMAT + "\n");
        manifest.append("repository ").append(view.repositoryId()).append('\n')
                .append("generation ").append(view.generation()).append('\n')
                .append("revision ").append(view.revision()).append('\n')
                .append("retainedFrom ").append(view.retainedFrom()).append('\n')
                .append("createdAt ").append(System.currentTimeMillis()).append('\n')
                .append("manager ").append(manager).append('\n');
        long bytes;
        try (ZipOutputStream zip = new ZipOutputStream(new NonClosing(out))) { // its deflater freed, the caller's stream open
            zip.setLevel(1);
            bytes = entries(view, blobs, alongside, manifest, zip);
        }
        long artifacts = view.history().stream().map(c -> c.artifact().name()).distinct().count();
        return new RepositoryBackup.Summary(view.repositoryId(), view.revision(), view.generation(), (int) artifacts,
                view.content().size(), bytes);
    }

    private static long entries(RevisionStateMachine.BackupView view, BlobStore blobs, Map<String, byte[]> alongside,
            StringBuilder manifest, ZipOutputStream zip) throws IOException {
        long bytes = 0;
        entry(zip, manifest, "repository/repository.id", ("" + view.repositoryId() + "\ngeneration "
                + view.generation() + "\nretainedFrom " + view.retainedFrom() + "\n").getBytes(StandardCharsets.US_ASCII));
        entry(zip, manifest, "repository/revisions.log", RevisionLog.text(view.history()));
        for (Artifact content : view.content()) {
            Path blob = blobs.get(content.sha256()).orElseThrow(() -> new IOException("this manager lacks the content of "
                    + content.name() + " (sha-256 " + content.sha256() + "); back up from a manager whose status shows "
                    + "holdsAllContent"));
            bytes += copy(zip, manifest, "repository/blobs/" + content.sha256(), blob, content.sha256());
        }
        for (Map.Entry<String, ManagerRecords.Versioned> record : view.records().entrySet()) {
            entry(zip, manifest, "records/" + record.getKey(), record.getValue().value());
        }
        for (Map.Entry<String, byte[]> extra : alongside.entrySet()) {
            entry(zip, manifest, extra.getKey(), extra.getValue());
        }
        ZipEntry last = new ZipEntry(MANIFEST);
        zip.putNextEntry(last);
        zip.write(manifest.toString().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
        zip.finish();
        return bytes;
    }

    private static void entry(ZipOutputStream zip, StringBuilder manifest, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
        manifest.append("file ").append(HexFormat.of().formatHex(BlobStore.sha256().digest(bytes))).append(' ')
                .append(bytes.length).append(' ').append(name).append('\n');
    }

    /** Copies a stored content, checking it is still what its name says (a damaged blob is never backed up). */
    private static long copy(ZipOutputStream zip, StringBuilder manifest, String name, Path blob, String sha256)
            throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.DEFLATED);
        zip.putNextEntry(entry);
        MessageDigest digest = BlobStore.sha256();
        long size;
        try (InputStream in = Files.newInputStream(blob)) {
            size = in.transferTo(new DigestOutputStream(zip, digest)); // never closed: the ZIP goes on
        }
        zip.closeEntry();
        String read = HexFormat.of().formatHex(digest.digest());
        if (!read.equals(sha256)) {
            throw new IOException("the stored content " + blob + " is damaged (its sha-256 is " + read + "); back up "
                    + "from another manager, and restart this one to have its content checked and fetched again");
        }
        manifest.append("file ").append(sha256).append(' ').append(size).append(' ').append(name).append('\n');
        return size;
    }

    /** The stream under it stays open when the one over it is closed (the servlet's, the ZIP's). */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }

        @Override
        public void close() {
        }
    }
}
