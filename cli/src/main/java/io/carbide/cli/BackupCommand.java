package io.carbide.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Saves the manager's repository as one archive while it keeps running ({@code GET /api/backup}),
 * checks it whole, and only then puts it at FILE: a backup cut short never takes a good one's place.
 */
@Command(name = "backup", description = "Save the repository (history, every content, the users) as one archive, "
        + "while the manager runs. Keys and the cluster secret only with --with-keys, sealed under a passphrase.")
final class BackupCommand extends ManagerCommand {

    @Parameters(paramLabel = "FILE", description = "Where the archive goes (a ZIP file).")
    Path file;

    @Option(names = "--with-keys", description = "Also the cluster secret and the manager's management key, sealed "
            + "under a passphrase (CARBIDE_BACKUP_PASSPHRASE, else asked twice).")
    boolean withKeys;

    @Override
    public Integer call() throws IOException {
        Path part = file.toAbsolutePath().resolveSibling(file.getFileName() + ".part");
        Files.deleteIfExists(part);
        try {
            if (!output.json) {
                output.line("Backing up the repository of " + target.where().url() + " ...");
            }
            ManagementApi.Answer answer;
            if (withKeys) {
                JsonObject body = new JsonObject();
                body.addProperty("passphrase", new String(Passphrase.ask("Passphrase for the keys in " + file, true)));
                answer = target.api().download("api/backup", body, part);
            } else {
                answer = target.api().download("api/backup", part);
            }
            if (answer.status() != 200) {
                throw ManagementApi.failure(answer, "no backup");
            }
            BackupArchive.Manifest manifest = BackupArchive.verify(part);
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (output.json) {
                JsonObject summary = BackupArchive.describe(manifest);
                summary.addProperty("file", file.toAbsolutePath().toString());
                summary.addProperty("fileBytes", Files.size(file));
                output.json(summary);
                return ExitCode.OK;
            }
            output.line("Backed up repository " + manifest.repositoryId() + " at revision " + manifest.revision()
                    + " from " + manifest.manager() + ": " + manifest.contents() + " contents, "
                    + Output.size(manifest.bytes()) + (manifest.hasUsers() ? ", the management users" : "")
                    + (manifest.hasKeys() ? ", the keys (sealed)" : "") + " -> "
                    + file + " (" + Output.size(Files.size(file)) + ")");
            return ExitCode.OK;
        } finally {
            Files.deleteIfExists(part);
        }
    }
}
