package io.carbide.serving.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class WebAppRouterTest {

    @Test
    void theFirstSegmentNamesTheApplicationAndTheRestIsTheFileWithinIt() {
        assertEquals(new WebAppRouter.Route("media", "/images/photo.png"), WebAppRouter.route("/media/images/photo.png"));
        assertEquals(new WebAppRouter.Route("media", "/"), WebAppRouter.route("/media/"));
        assertEquals(new WebAppRouter.Route("my site", "/a b.txt"), WebAppRouter.route("/my site/a b.txt"));
    }

    @Test
    void theBareNameIsTheApplicationsRootAndTheRootIsNoApplication() {
        assertEquals(new WebAppRouter.Route("media", "/"), WebAppRouter.route("/media"));
        assertNull(WebAppRouter.route("/"));
        assertNull(WebAppRouter.route("//media/"), "an empty first segment names nothing");
    }
}
