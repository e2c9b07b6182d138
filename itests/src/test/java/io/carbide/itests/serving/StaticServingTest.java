package io.carbide.itests.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.itests.support.Artifacts;
import io.carbide.itests.support.NodeProcess;
import io.carbide.itests.support.StartedNodes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A static site dropped into the manager is served by a worker the way a web server serves files:
 * validators and 304, byte ranges for media, HEAD, precompressed variants, the Cache-Control the
 * operator configured for the fleet, no directory listings, and nothing outside the site however
 * the path is spelled. A zip bomb never gets as far as a worker.
 */
class StaticServingTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final int BIG = 10 * 1024 * 1024;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path temp;

    @RegisterExtension
    final StartedNodes started = new StartedNodes();

    @Test
    void aSiteWithMediaIsServedWithValidatorsRangesCompressionAndTheFleetsCacheControl() throws Exception {
        NodeProcess manager = started.startReady(new NodeProcess(temp.resolve("mgr"), "manager", "-Dnode=mgr"));
        NodeProcess worker = started.startReady(new NodeProcess(temp.resolve("w-1"), "worker", "-Dnode=w-1",
                manager.asWellKnownMember()));

        byte[] index = "<!doctype html><title>Media</title><p>A site with media</p>\n".repeat(40)
                .getBytes(StandardCharsets.UTF_8);
        byte[] image = random(48_000, 1);
        byte[] big = random(BIG, 2);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("index.html", index);
        entries.put("index.html.gz", gzip(index));
        entries.put("images/photo.png", image);
        entries.put("video/big.bin", big);
        entries.put("notes/readme.txt", "no index here".getBytes(StandardCharsets.UTF_8));
        Artifacts.drop(Artifacts.zip(temp.resolve("media.zip"), entries, false), manager.deployDir(), "media.zip");
        worker.awaitHttp("/media/", 200, "A site with media", CONVERGE);
        String base = "http://127.0.0.1:" + worker.clientPort() + "/media/";

        // validators: a client or a CDN revalidates instead of downloading again
        HttpResponse<byte[]> page = send(get(base + "images/photo.png"));
        assertEquals(200, page.statusCode());
        assertArrayEquals(image, page.body());
        assertEquals("image/png", page.headers().firstValue("Content-Type").orElse(""));
        String etag = page.headers().firstValue("ETag").orElseThrow(() -> new AssertionError("no ETag"));
        assertTrue(page.headers().firstValue("Last-Modified").isPresent(), "Last-Modified");
        assertEquals(String.valueOf(image.length), page.headers().firstValue("Content-Length").orElse(""));
        assertFalse(page.headers().firstValue("Cache-Control").isPresent(), "no Cache-Control until configured");
        HttpResponse<byte[]> revalidated = send(get(base + "images/photo.png").header("If-None-Match", etag));
        assertEquals(304, revalidated.statusCode());
        assertEquals(0, revalidated.body().length);

        // ranges: media players and resumed downloads
        HttpResponse<byte[]> range = send(get(base + "video/big.bin").header("Range", "bytes=1048576-1114111"));
        assertEquals(206, range.statusCode());
        assertEquals("bytes 1048576-1114111/" + BIG, range.headers().firstValue("Content-Range").orElse(""));
        assertArrayEquals(Arrays.copyOfRange(big, 1048576, 1114112), range.body());
        HttpResponse<byte[]> tail = send(get(base + "video/big.bin").header("Range", "bytes=-100"));
        assertEquals(206, tail.statusCode());
        assertArrayEquals(Arrays.copyOfRange(big, BIG - 100, BIG), tail.body());
        assertEquals(416, send(get(base + "video/big.bin").header("Range", "bytes=" + BIG + "-")).statusCode());
        String bigTag = send(head(base + "video/big.bin")).headers().firstValue("ETag").orElseThrow();
        assertEquals(206, send(get(base + "video/big.bin").header("Range", "bytes=0-9").header("If-Range", bigTag))
                .statusCode(), "If-Range with the current ETag: the range");
        HttpResponse<byte[]> changed = send(get(base + "video/big.bin").header("Range", "bytes=0-9")
                .header("If-Range", "\"an-older-version\""));
        assertEquals(200, changed.statusCode(), "If-Range with another ETag: the whole file");
        assertArrayEquals(big, changed.body());

        // HEAD: the headers of the whole file, no body
        HttpResponse<byte[]> headers = send(head(base + "video/big.bin"));
        assertEquals(200, headers.statusCode());
        assertEquals(String.valueOf(BIG), headers.headers().firstValue("Content-Length").orElse(""));
        assertEquals(0, headers.body().length);

        // a precompressed variant for clients that take it, the plain file for those that do not
        HttpResponse<byte[]> compressed = send(get(base + "index.html").header("Accept-Encoding", "gzip"));
        assertEquals(200, compressed.statusCode());
        assertEquals("gzip", compressed.headers().firstValue("Content-Encoding").orElse(""));
        assertArrayEquals(gzip(index), compressed.body());
        assertTrue(compressed.headers().allValues("Vary").toString().contains("Accept-Encoding"),
                compressed.headers().map().toString());
        HttpResponse<byte[]> plain = send(get(base + "index.html"));
        assertFalse(plain.headers().firstValue("Content-Encoding").isPresent());
        assertArrayEquals(index, plain.body());
        assertArrayEquals(index, send(get(base)).body(), "index.html is the folder's welcome file");
        String port = "http://127.0.0.1:" + worker.clientPort();
        HttpResponse<byte[]> bare = send(get(port + "/media"));
        assertEquals(302, bare.statusCode(), "the site's name without its slash goes to the site");
        assertTrue(bare.headers().firstValue("Location").orElse("").endsWith("/media/"), bare.headers().toString());
        // one servlet answers for every site (WebAppRouter): what is not a site is still a plain 404, and
        // no client traffic in the node's metrics (a poller's 404s would dilute a canary's error rate)
        double answered = clientRequests(port, "4xx");
        for (String nowhere : List.of("/", "/nothing/", "/nothing", "/MEDIA/index.html", "/medi/index.html")) {
            assertEquals(404, send(get(port + nowhere)).statusCode(), nowhere);
        }
        assertEquals(404, send(get(base + "no-such-file.txt")).statusCode());
        assertEquals(answered + 1, clientRequests(port, "4xx"), "a site's own 404 counts, a path that names none does not");

        // no listing of a folder without an index, nothing outside the site
        HttpResponse<byte[]> listing = send(get(base + "notes/"));
        assertNotEquals(200, listing.statusCode(), "no directory listing");
        assertFalse(new String(listing.body(), StandardCharsets.UTF_8).contains("readme.txt"));
        Files.writeString(worker.base().resolve("outside.txt"), "private to the node");
        Files.writeString(worker.base().resolve("data/outside.txt"), "private to the node");
        for (String escape : List.of("/media/../outside.txt", "/media/%2e%2e/%2e%2e/%2e%2e/outside.txt",
                "/media/%2e%2e%2f%2e%2e%2f%2e%2e%2foutside.txt", "/media/..%5c..%5c..%5coutside.txt",
                "/media/..\\..\\..\\outside.txt", "/media/%252e%252e/%252e%252e/outside.txt",
                "/media/images/..;/..;/..;/outside.txt", "/media/%2e%2e/%2e%2e/%2e%2e/%2e%2e/outside.txt",
                "/media/images/%00../../../outside.txt")) {
            String answer = raw(worker.clientPort(), escape);
            assertFalse(answer.startsWith("HTTP/1.1 200"), escape + " answered " + firstLine(answer));
            assertFalse(answer.contains("private to the node"), escape + " escaped the site: " + answer);
        }
        assertEquals(200, send(get(base + "images/photo.png")).statusCode(), "the node still serves after all that");

        // the operator's Cache-Control for every worker, as a configuration dropped into the manager
        Artifacts.dropText("cacheControl = no-cache\ncacheControl.media = public, max-age=86400\n",
                manager.deployDir(), "io.carbide.serving.cfg");
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        String cacheControl = "";
        while (System.nanoTime() < deadline && !cacheControl.equals("public, max-age=86400")) {
            Thread.sleep(200);
            cacheControl = send(get(base + "images/photo.png")).headers().firstValue("Cache-Control").orElse("");
        }
        assertEquals("public, max-age=86400", cacheControl, "the site's own Cache-Control");
        assertEquals(304, send(get(base + "images/photo.png").header("If-None-Match", etag)).statusCode(),
                "the content did not change: its ETag still holds");

        // a zip bomb, 1 GiB of zeros in about 1 MB: refused on the manager with the limit named
        Path bomb = temp.resolve("bomb.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(bomb))) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry("zeros.bin"));
            byte[] zeros = new byte[1024 * 1024];
            for (int i = 0; i < 1024; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        Artifacts.drop(bomb, manager.deployDir(), "bomb.zip");
        manager.awaitStatus(s -> s.getAsJsonObject("repository").getAsJsonArray("refused").toString()
                .contains("carbide.archive.maxRatio"), CONVERGE, "bomb.zip refused with the limit it broke");
        assertEquals(404, send(get("http://127.0.0.1:" + worker.clientPort() + "/bomb/zeros.bin")).statusCode());
        assertEquals(200, send(get(base + "images/photo.png")).statusCode(), "everything else still served");
        // the operator deletes the refused file: nothing stands to be fixed, and the status stops listing it
        Files.delete(manager.deployDir().resolve("bomb.zip"));
        manager.awaitStatus(s -> !s.getAsJsonObject("repository").getAsJsonArray("refused").toString()
                .contains("bomb.zip"), CONVERGE, "bomb.zip off the refused list once deleted");
    }

    /** carbide_client_requests_total of one status class, from the node's /metrics. */
    private static double clientRequests(String node, String statusClass) throws IOException, InterruptedException {
        String metrics = new String(send(get(node + "/metrics")).body(), StandardCharsets.UTF_8);
        String line = "carbide_client_requests_total{class=\"" + statusClass + "\"} ";
        return metrics.lines().filter(l -> l.startsWith(line)).mapToDouble(l -> Double.parseDouble(l.substring(line.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no " + line + "in " + metrics));
    }

    private static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    }

    private static HttpRequest.Builder head(String url) {
        return get(url).method("HEAD", HttpRequest.BodyPublishers.noBody());
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** One request exactly as written, for paths an HTTP client library would refuse or normalise. */
    private static String raw(int port, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String firstLine(String answer) {
        int end = answer.indexOf('\r');
        return end < 0 ? answer : answer.substring(0, end);
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content);
        }
        return bytes.toByteArray();
    }
}
