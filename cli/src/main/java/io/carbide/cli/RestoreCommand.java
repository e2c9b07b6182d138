package io.carbide.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Brings a backup into a new manager base, offline: the archive is checked whole first, and a
 * damaged one is refused with nothing written. The manager started on that base carries the
 * repository into a new consensus with its id and history (README, "Backup and restore").
 */
@Command(name = "restore", description = "Bring a backup into a new, empty manager base (offline); then start a "
        + "manager on that base.")
final class RestoreCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The archive bin/carbide backup wrote.")
    Path file;

    @Option(names = "--base", required = true, paramLabel = "DIR", description = "The new manager's base.")
    Path base;

    @Option(names = "--with-keys", description = "Also the keys the backup sealed (backup --with-keys): the cluster "
            + "secret and the management key, opened with the passphrase (CARBIDE_BACKUP_PASSPHRASE, else asked).")
    boolean withKeys;

    @Mixin
    Output output;

    @Override
    public Integer call() {
        BackupArchive.Manifest manifest = BackupArchive.verify(file);
        BackupArchive.Restored restored;
        try {
            restored = BackupArchive.restore(file, manifest, base, withKeys && manifest.hasKeys()
                    ? Passphrase.ask("Passphrase of the keys in " + file, false) : withKeys ? new char[0] : null);
        } catch (IOException e) {
            throw CommandFailure.failed("could not restore " + file + " into " + base + ": " + e.getMessage()
                    + "; no repository was put in place there, so fix that and run restore again");
        }
        if (output.json) {
            JsonObject summary = BackupArchive.describe(manifest);
            summary.addProperty("base", base.toAbsolutePath().toString());
            // the archive's generation, and the new one the restored repository starts as
            summary.addProperty("backupGeneration", manifest.generation());
            summary.addProperty("generation", restored.generation());
            JsonArray keys = new JsonArray();
            restored.keys().forEach(keys::add);
            summary.add("restoredKeys", keys);
            JsonArray skipped = new JsonArray();
            restored.unknownRecords().forEach(skipped::add);
            summary.add("unknownRecords", skipped);
            output.json(summary);
            return ExitCode.OK;
        }
        output.line("Restored repository " + manifest.repositoryId() + " at revision " + manifest.revision() + " ("
                + manifest.contents() + " contents, " + Output.size(manifest.bytes())
                + (manifest.hasUsers() ? ", the management users" : "") + ") into " + base + " as generation "
                + restored.generation());
        if (!restored.unknownRecords().isEmpty()) {
            output.line("Not restored, being of kinds this build does not know: "
                    + String.join(", ", restored.unknownRecords()) + "; restore with the build that took the backup to "
                    + "keep them");
        }
        if (!restored.keys().isEmpty()) {
            output.line("Restored the keys: " + String.join(", ", restored.keys()));
        } else if (manifest.hasKeys()) {
            output.line("The archive also holds sealed keys (the cluster secret, the management key): restore with "
                    + "--with-keys to put them in place, or copy conf/cluster.secret from another node");
        }
        output.line("Start a manager on it: bin/start.sh -Dprofile=manager -Dcarbide.base=" + base
                + " (with the node name and port offset workers know, for them to follow it without redeploying)");
        return ExitCode.OK;
    }
}
