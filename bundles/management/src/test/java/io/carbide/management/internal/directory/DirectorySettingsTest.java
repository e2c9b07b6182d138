package io.carbide.management.internal.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.management.internal.auth.UserRole;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DirectorySettingsTest {

    private static final Path BASE = Path.of("/var/lib/carbide/mgr-1");

    private static Map<String, String> usable() {
        Map<String, String> settings = new HashMap<>();
        settings.put("carbide.ldap.url", "ldaps://ldap.example.org:636");
        settings.put("carbide.ldap.userSearchBase", "ou=people,dc=example,dc=org");
        settings.put("carbide.ldap.groupSearchBase", "ou=groups,dc=example,dc=org");
        settings.put("carbide.ldap.roles", "carbide-admins:admin; cn=Ops,ou=groups,dc=example,dc=org:deployer");
        return settings;
    }

    private static String refusal(Map<String, String> settings) {
        return assertThrows(DirectorySettings.Invalid.class, () -> DirectorySettings.from(settings::get, BASE))
                .getMessage();
    }

    @Test
    void offUnlessAUrlIsSet() {
        assertEquals(Optional.empty(), DirectorySettings.from(key -> null, BASE));
    }

    @Test
    void groupsMapToRolesByNameOrWholeDnAndFilesResolveInTheBase() {
        Map<String, String> settings = usable();
        settings.put("carbide.ldap.trustedCertificates", "conf/ldap-ca.pem");
        DirectorySettings read = DirectorySettings.from(settings::get, BASE).orElseThrow();
        assertEquals(UserRole.ADMIN, read.roles().get("carbide-admins"));
        assertEquals(UserRole.DEPLOYER, read.roles().get("cn=ops,ou=groups,dc=example,dc=org"));
        assertEquals(Optional.of(BASE.resolve("conf/ldap-ca.pem")), read.trustedCertificates());
        assertEquals("(uid={0})", read.userSearchFilter());
        assertEquals(5000, read.timeoutMillis());
        assertTrue(read.tls());
    }

    @Test
    void passwordsNeverGoInClearTextUnlessALabSaysSo() {
        Map<String, String> settings = usable();
        settings.put("carbide.ldap.url", "ldap://ldap.example.org:389");
        assertTrue(refusal(settings).contains("clear text"), refusal(settings));
        settings.put("carbide.ldap.startTls", "true");
        assertTrue(DirectorySettings.from(settings::get, BASE).orElseThrow().tls());
        settings.remove("carbide.ldap.startTls");
        settings.put("carbide.ldap.allowPlainText", "true");
        assertEquals(false, DirectorySettings.from(settings::get, BASE).orElseThrow().tls());
    }

    @Test
    void unusableSettingsAreRefusedWithTheSettingNamed() {
        Map<String, String> noWay = usable();
        noWay.remove("carbide.ldap.userSearchBase");
        assertTrue(refusal(noWay).contains("userDnPattern"), refusal(noWay));
        Map<String, String> serviceWithoutPassword = usable();
        serviceWithoutPassword.put("carbide.ldap.bindDn", "cn=carbide,dc=example,dc=org");
        assertTrue(refusal(serviceWithoutPassword).contains("anonymous"), refusal(serviceWithoutPassword));
        Map<String, String> badRole = usable();
        badRole.put("carbide.ldap.roles", "carbide-admins:root");
        assertTrue(refusal(badRole).contains("'root' is not a role"), refusal(badRole));
        Map<String, String> badTimeout = usable();
        badTimeout.put("carbide.ldap.timeoutMillis", "soon");
        assertTrue(refusal(badTimeout).contains("timeoutMillis"), refusal(badTimeout));
    }
}
