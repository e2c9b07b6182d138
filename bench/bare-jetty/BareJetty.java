import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * Bare Jetty 12 for the serving benchmark: the same static files as a Carbide worker, at
 * /NAME/ from a folder, with Jetty's own DefaultServlet and the same features on (ETags, ranges,
 * precompressed files), and a servlet at /hello that answers
 * like the example servlet. The same servlet stack (ee10) as Felix HTTP uses, and no OSGi.
 *   java -cp 'bench/target/bare-jetty/lib/*' bench/bare-jetty/BareJetty.java PORT NAME FOLDER
 */
public class BareJetty {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String name = args[1];
        Path folder = Path.of(args[2]).toAbsolutePath();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        context.setBaseResource(ResourceFactory.of(context).newResource(folder));
        ServletHolder files = new ServletHolder("static", DefaultServlet.class);
        // the same features as a Carbide worker's web applications
        files.setInitParameter("dirAllowed", "false");
        files.setInitParameter("pathInfoOnly", "true");
        files.setInitParameter("etags", "true");
        files.setInitParameter("precompressed", "true");
        files.setInitParameter("maxCacheSize", String.valueOf(16 * 1024 * 1024));
        files.setInitParameter("maxCachedFileSize", String.valueOf(256 * 1024));
        files.setInitParameter("maxCachedFiles", "2048");
        context.addServlet(files, "/" + name + "/*");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("text/plain; charset=utf-8");
                response.getWriter().println("Hello from Carbide");
            }
        }), "/hello");
        server.setHandler(context);
        server.start();
        System.out.println("bare Jetty " + Server.getVersion() + " on 127.0.0.1:" + port);
        server.join();
    }
}
