package io.carbide.cli;

import com.google.gson.JsonObject;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The manager's management certificate: shown, renewed, or replaced by a CA-issued one, without a restart. */
@Command(name = "cert", description = "Show, renew or replace the manager's management certificate; new connections "
        + "get the new one at once, no restart.",
        subcommands = {CertCommand.Show.class, CertCommand.Renew.class, CertCommand.Install.class})
final class CertCommand {

    /** The PKCS#12 files an operator installs are a few KB; a bigger file is not one. */
    private static final long MAX_PKCS12_BYTES = 256 * 1024;

    @Command(name = "show", description = "The certificate the management port serves: subject, issuer, validity, "
            + "sha-256.")
    static final class Show extends ManagerCommand {
        @Override
        public Integer call() {
            ManagementApi.Answer answer = target.read("api/certificate", "no certificate");
            if (!output.printedJson(answer)) {
                print(output, answer.object());
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "renew", description = "A new key and self-signed certificate for the same names. Clients trust "
            + "it by the manager's conf/security/management.crt, which is rewritten.")
    static final class Renew extends ManagerCommand {
        @Option(names = "--force", description = "Replace a CA-issued certificate with a self-signed one.")
        boolean force;

        @Override
        public Integer call() {
            ManagementApi.Answer answer = target.api().post("api/certificate/renew" + (force ? "?force=true" : ""),
                    new JsonObject());
            return done(answer, output, "not renewed");
        }
    }

    @Command(name = "install", description = "Serve the key and CA-issued chain in a PKCS#12 file (openssl pkcs12 "
            + "-export -inkey KEY -in CERT -certfile CHAIN -out FILE).")
    static final class Install extends ManagerCommand {
        @Parameters(paramLabel = "FILE", description = "The PKCS#12 file: the key and its certificate chain.")
        Path file;

        @Option(names = "--password-file", paramLabel = "FILE",
                description = "A file holding the PKCS#12 file's password (else CARBIDE_PKCS12_PASSWORD, else asked).")
        Path passwordFile;

        @Option(names = "--force", description = "Install it even if it does not name where clients reach the manager "
                + "(then reach it with --url https://NAME:PORT).")
        boolean force;

        @Override
        public Integer call() throws IOException {
            byte[] pkcs12;
            try {
                long size = Files.size(file);
                if (size > MAX_PKCS12_BYTES) {
                    throw CommandFailure.usage(file + " is " + Output.size(size) + ", not a PKCS#12 key file");
                }
                pkcs12 = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw CommandFailure.usage("no such file: " + file);
            }
            JsonObject body = new JsonObject();
            body.addProperty("pkcs12", Base64.getEncoder().encodeToString(pkcs12));
            body.addProperty("password", password());
            return done(target.api().put("api/certificate" + (force ? "?force=true" : ""), body), output,
                    "not installed");
        }

        private String password() throws IOException {
            if (passwordFile != null) {
                try {
                    return Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
                } catch (NoSuchFileException e) {
                    throw CommandFailure.usage("no such password file: " + passwordFile);
                }
            }
            String fromEnvironment = System.getenv("CARBIDE_PKCS12_PASSWORD");
            if (fromEnvironment != null) {
                return fromEnvironment;
            }
            Console console = System.console();
            if (console == null) {
                throw CommandFailure.usage("no terminal to ask for the password of " + file + ": use --password-file or "
                        + "CARBIDE_PKCS12_PASSWORD");
            }
            char[] typed = console.readPassword("Password of %s: ", file);
            if (typed == null) {
                throw CommandFailure.usage("no password given");
            }
            return new String(typed);
        }
    }

    private static int done(ManagementApi.Answer answer, Output output, String failed) {
        if (answer.status() != 200) {
            throw ManagementApi.failure(answer, "certificate " + failed);
        }
        if (!output.printedJson(answer)) {
            output.line(Fields.text(answer.object(), "message"));
            print(output, Fields.object(answer.object(), "certificate"));
        }
        return ExitCode.OK;
    }

    private static void print(Output output, JsonObject certificate) {
        output.line("  subject   " + Fields.text(certificate, "subject"));
        output.line("  issuer    " + Fields.text(certificate, "issuer")
                + (Fields.flag(certificate, "selfSigned") ? " (self-signed)" : ""));
        output.line("  valid     " + Fields.text(certificate, "notBefore") + " .. " + Fields.text(certificate, "notAfter")
                + " (" + Fields.number(certificate, "daysLeft", 0) + " days left)");
        output.line("  sha-256   " + Fields.text(certificate, "sha256"));
    }
}
