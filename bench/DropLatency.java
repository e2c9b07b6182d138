import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Drop-to-served, timed from one process: puts small web apps in one after another, each only once
 * the last answers 200 on every worker, and polls every worker at once, every 2 ms, so the figure
 * holds no process start of the bench's own. Prints one line per drop: the epoch ms it was put in
 * and the ms until the last worker answered 200 for it.
 *
 *   java bench/DropLatency.java folder DEPLOY_DIR SITES_DIR PREFIX COUNT WORKER_PORT...
 *   java bench/DropLatency.java api MANAGEMENT_URL CERT_PEM SITES_DIR PREFIX COUNT WORKER_PORT...
 *
 * "folder" copies PREFIX-i.zip beside the deploy folder's files under a dot name, then renames it,
 * as a careful operator does; "api" uploads it with PUT /api/artifacts/PREFIX-i.zip as admin (the
 * password in BENCH_ADMIN_PASSWORD), trusting the manager's own certificate.
 */
public class DropLatency {

    public static void main(String[] args) throws Exception {
        boolean api = args[0].equals("api");
        int at = api ? 3 : 2;
        Path sites = Path.of(args[at]);
        String prefix = args[at + 1];
        int count = Integer.parseInt(args[at + 2]);
        List<Integer> workers = new ArrayList<>();
        for (int i = at + 3; i < args.length; i++) {
            workers.add(Integer.parseInt(args[i]));
        }
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpClient management = api ? HttpClient.newBuilder().sslContext(trusting(Path.of(args[2])))
                .connectTimeout(Duration.ofSeconds(2)).build() : null;
        String authorization = "Basic " + Base64.getEncoder().encodeToString(
                ("admin:" + System.getenv("BENCH_ADMIN_PASSWORD")).getBytes(StandardCharsets.UTF_8));
        if (workers.isEmpty()) {
            throw new IllegalArgumentException("no worker port given");
        }
        ExecutorService pollers = Executors.newFixedThreadPool(workers.size(), r -> {
            Thread thread = new Thread(r, "poller");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (int i = 1; i <= count; i++) {
                String name = prefix + "-" + i;
                Path zip = sites.resolve(name + ".zip");
                long start = System.currentTimeMillis();
                if (api) {
                    HttpResponse<String> answer = management.send(HttpRequest.newBuilder(
                            URI.create(args[1] + "/api/artifacts/" + name + ".zip"))
                            .header("Authorization", authorization)
                            .PUT(HttpRequest.BodyPublishers.ofFile(zip)).build(), HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() / 100 != 2) {
                        throw new IllegalStateException("the upload of " + name + ".zip answered " + answer.statusCode()
                                + ": " + answer.body());
                    }
                } else {
                    Path deploy = Path.of(args[1]);
                    Path part = deploy.resolve("." + name + ".zip.part");
                    Files.copy(zip, part, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(part, deploy.resolve(name + ".zip"), StandardCopyOption.ATOMIC_MOVE);
                }
                List<CompletableFuture<Void>> served = new ArrayList<>();
                for (int port : workers) {
                    served.add(CompletableFuture.runAsync(() -> awaitServed(plain, port, name, start), pollers));
                }
                CompletableFuture.allOf(served.toArray(CompletableFuture[]::new)).join();
                System.out.println(start + " " + (System.currentTimeMillis() - start));
            }
        } finally {
            pollers.shutdownNow();
        }
    }

    private static void awaitServed(HttpClient client, int port, String name, long start) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/" + name + "/"))
                .timeout(Duration.ofSeconds(2)).build();
        while (true) {
            try {
                if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // the worker is busy or restarting: ask again
            }
            if (System.currentTimeMillis() - start > 300_000) {
                throw new IllegalStateException(name + " did not answer 200 on port " + port + " within 5 minutes");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static SSLContext trusting(Path certificate) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            trusted.setCertificateEntry("manager", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
