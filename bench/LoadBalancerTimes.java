import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Two timings of a worker behind the HAProxy a manager drives, measured from one long-running
 * process so that polling every few milliseconds costs nothing (bench/loadbalancer.sh runs it):
 *
 * <pre>
 *   java LoadBalancerTimes.java join LB_PORT HOST NODE CLIENT_PORT PATH
 *       ms from the node's /health answering 200 to its first request for PATH served through the load balancer
 *   java LoadBalancerTimes.java kill ADMIN_SOCKET NODE PID
 *       ms from kill -9 of the node to HAProxy no longer sending to it (its server DOWN or gone),
 *       read from HAProxy's admin socket ("show servers state")
 * </pre>
 */
public class LoadBalancerTimes {

    public static void main(String[] args) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        if (args[0].equals("join")) {
            int lb = Integer.parseInt(args[1]);
            String host = args[2];
            String node = args[3];
            int client = Integer.parseInt(args[4]);
            String path = args[5];
            while (!get(client, "127.0.0.1", "/health").startsWith("HTTP/1.1 200")) {
                check(deadline, node + " never answered ready");
                Thread.sleep(5);
            }
            long ready = System.nanoTime();
            while (!get(lb, host, path).toLowerCase().contains("x-carbide-node: " + node.toLowerCase() + "\r\n")) {
                check(deadline, node + " never got a request through the load balancer");
                Thread.sleep(2);
            }
            System.out.println((System.nanoTime() - ready) / 1_000_000);
        } else {
            String socket = args[1];
            String node = args[2];
            ProcessHandle victim = ProcessHandle.of(Long.parseLong(args[3])).orElseThrow();
            if (!serving(socket, node)) {
                throw new IllegalStateException(node + " is not in service before the kill");
            }
            long killed = System.nanoTime();
            victim.destroyForcibly(); // SIGKILL
            while (serving(socket, node)) {
                check(deadline, "HAProxy never took " + node + " out");
                Thread.sleep(5);
            }
            System.out.println((System.nanoTime() - killed) / 1_000_000);
        }
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(what + " within 120 s");
        }
    }

    /** One request on a new connection; the whole answer, or "" when the connection failed. */
    private static String get(int port, String host, String path) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Whether HAProxy's service backend has the node as a server that takes traffic: in
     * "show servers state", field 4 is the server's name and field 6 its operational state (2: up).
     */
    private static boolean serving(String socket, String node) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap("show servers state carbide_workers\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (channel.read(buffer) > 0) {
                if (!buffer.hasRemaining()) {
                    break;
                }
            }
            String state = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
            for (String line : state.split("\n")) {
                String[] fields = line.split(" ");
                if (fields.length > 5 && !line.startsWith("#") && fields[3].equals(node)) {
                    return fields[5].equals("2");
                }
            }
            return false;
        } catch (IOException e) {
            // a reload replaced the socket in this instant: ask again
            return true;
        }
    }
}
