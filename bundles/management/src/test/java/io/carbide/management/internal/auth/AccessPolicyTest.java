package io.carbide.management.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AccessPolicyTest {

    @Test
    void readingNeedsAViewerChangingWhatRunsADeployerAndEverythingElseAnAdmin() {
        assertEquals(UserRole.VIEWER, AccessPolicy.required("GET", "/api/cluster", "viv"));
        assertEquals(UserRole.VIEWER, AccessPolicy.required("HEAD", "/api/artifacts/a.jar", "viv"));
        assertEquals(UserRole.ADMIN, AccessPolicy.required("GET", "/api/users", "viv"));
        assertEquals(UserRole.ADMIN, AccessPolicy.required("GET", "/api/audit", "viv"));
        assertEquals(UserRole.ADMIN, AccessPolicy.required("GET", "/api/backup", "viv"), "a backup holds every secret");
        assertEquals(UserRole.DEPLOYER, AccessPolicy.required("PUT", "/api/artifacts/a.jar", "dan"));
        assertEquals(UserRole.DEPLOYER, AccessPolicy.required("DELETE", "/api/artifacts/a.jar", "dan"));
        assertEquals(UserRole.DEPLOYER, AccessPolicy.required("POST", "/api/rollback", "dan"));
        assertEquals(UserRole.DEPLOYER, AccessPolicy.required("POST", "/api/rollout/abort", "dan"));
        assertEquals(UserRole.ADMIN, AccessPolicy.required("PUT", "/api/config/hello", "dan"));
        assertEquals(UserRole.ADMIN, AccessPolicy.required("POST", "/api/cluster/adopt", "dan"));
        assertEquals(UserRole.ADMIN, AccessPolicy.required("POST", "/api/managers", "dan"));
        assertEquals(UserRole.ADMIN, AccessPolicy.required("PATCH", "/api/artifacts/a.jar", "dan"), "an unknown method");
        assertEquals(UserRole.ADMIN, AccessPolicy.required("POST", "/api/something-new", "dan"), "a path no rule names");
        assertEquals(UserRole.ADMIN, AccessPolicy.required("PUT", "/api/artifactsx/a.jar", "dan"), "not a prefix match");
        assertEquals(UserRole.VIEWER, AccessPolicy.required("PUT", "/api/users/viv", "viv"), "one's own password");
        assertEquals(UserRole.ADMIN, AccessPolicy.required("PUT", "/api/users/dan", "viv"));
        assertEquals(UserRole.ADMIN, AccessPolicy.required("DELETE", "/api/users/viv", "viv"));
    }

    @Test
    void eachRoleIncludesTheOnesBelowIt() {
        assertEquals(true, UserRole.ADMIN.includes(UserRole.DEPLOYER));
        assertEquals(true, UserRole.DEPLOYER.includes(UserRole.VIEWER));
        assertEquals(false, UserRole.VIEWER.includes(UserRole.DEPLOYER));
        assertEquals(UserRole.DEPLOYER, UserRole.parse(" Deployer "));
    }
}
