package io.carbide.examples.hello;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code GET /hello}: a greeting. The greeting is configuration: drop {@code hello.cfg} with
 * {@code greeting = ...} into the manager's deploy/ folder and every worker answers with it.
 */
@Component(service = Servlet.class, configurationPid = "hello")
@HttpWhiteboardServletPattern("/hello")
@Designate(ocd = HelloServlet.Config.class)
public class HelloServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @ObjectClassDefinition(name = "Hello servlet")
    public @interface Config {
        String greeting() default "Hello from Carbide";
    }

    private volatile String greeting;

    @Activate
    @Modified
    void configure(Config config) {
        greeting = config.greeting();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain; charset=utf-8");
        response.getWriter().println(greeting);
    }
}
