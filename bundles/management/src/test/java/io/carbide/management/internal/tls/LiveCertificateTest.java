package io.carbide.management.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.carbide.node.NodeIdentity;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

/** What the status says of the management port's certificate, written every second. */
class LiveCertificateTest {

    @TempDir
    Path base;
    private LiveCertificate certificate;

    private LiveCertificate start() {
        NodeIdentity node = (NodeIdentity) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {NodeIdentity.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "base" -> base;
                    case "name" -> "mgr";
                    case "managementSecure" -> true;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> null);
        certificate = new LiveCertificate(node, context);
        return certificate;
    }

    @AfterEach
    void stop() {
        if (certificate != null) {
            certificate.deactivate();
        }
    }

    @Test
    void theKeyStoreIsOpenedForTheStatusOnlyWhenTheWatchTakesItUp() throws Exception {
        ManagementKeyStore store = ManagementKeyStore.findOrCreate(base, "mgr", "127.0.0.1");
        LiveCertificate live = start();
        Object first = live.describe().get("sha256");

        // garbage of the same size and time in place of the key store: opening it again would fail
        Path file = base.resolve("conf/security/management.p12");
        FileTime time = Files.getLastModifiedTime(file);
        byte[] garbage = new byte[(int) Files.size(file)];
        Arrays.fill(garbage, (byte) 7);
        Files.write(file, garbage);
        Files.setLastModifiedTime(file, time);
        assertEquals(first, live.describe().get("sha256"), "an unchanged key store is not opened every second");

        store.commit(store.prepareRenewal("mgr", "127.0.0.1")); // a key store replaced by hand
        live.tend();
        live.tend(); // the watch takes a replacement once neither file moved for one look
        Object renewed = live.describe().get("sha256");
        assertNotEquals(first, renewed, "a key store replaced is shown once the port serves it");
        assertEquals(LiveCertificate.fingerprint(ManagementKeyStore.existing(base.resolve("conf/security"))
                .certificate()), renewed);

        // a copy that does not open: the status still names what the port serves, and says why the copy is not
        byte[] kept = Files.readAllBytes(file);
        Files.write(file, new byte[] {0x30, (byte) 0x82, 0x65, 0x65, 1, 2, 3});
        live.tend();
        live.tend();
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> status = (java.util.Map<String, Object>) live.status();
        assertEquals(renewed, status.get("sha256"));
        assertTrue(String.valueOf(status.get("problem")).startsWith("the key store in "), String.valueOf(status));
        Files.write(file, kept); // put back: nothing to say any more
        live.tend();
        live.tend();
        assertFalse(((java.util.Map<?, ?>) live.status()).containsKey("problem"), String.valueOf(live.status()));
    }
}
