package io.carbide.deployment;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * One consistent archive of a manager's repository, written while it keeps running: the revision
 * history the managers keep, every content that history refers to, and the managers' own records
 * (the management users), with a manifest of sha-256 digests last. Keys and the cluster secret
 * only when asked, sealed by the caller under a passphrase ({@link #write(OutputStream, Map)}).
 * {@code bin/carbide restore} brings it into a fresh manager base (README, "Backup and
 * restore"); the format is in docs/design.md.
 */
@org.osgi.annotation.versioning.ProviderType
public interface RepositoryBackup {

    /** What an archive holds. */
    record Summary(String repositoryId, long revision, long generation, int artifacts, int contents, long bytes) {
    }

    /**
     * Writes the archive.
     *
     * @throws IOException when this manager cannot write it whole (content it lacks is named); the
     *         stream is then incomplete, and a reader refuses it
     */
    default Summary write(OutputStream out) throws IOException {
        return write(out, Map.of());
    }

    /**
     * Writes the archive with further entries of the caller's (e.g. {@code secrets/secrets.enc},
     * already sealed), listed in the manifest like every other entry.
     *
     * @param alongside entry name to bytes; names outside {@code repository/} and {@code records/}
     */
    Summary write(OutputStream out, Map<String, byte[]> alongside) throws IOException;
}
