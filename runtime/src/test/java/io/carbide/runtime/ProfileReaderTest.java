package io.carbide.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.node.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileReaderTest {

    @TempDir
    Path profiles;

    @Test
    void shippedProfilesSayWhatTheArchitecturePromises() throws Exception {
        ProfileReader reader = new ProfileReader(Path.of(System.getProperty("carbide.source.root"), "profiles"));
        Profile worker = reader.read("worker");
        assertEquals(Set.of(Role.WORKER), worker.roles());
        assertTrue(worker.isReadOnly());
        assertTrue(worker.takesAllFeatures(), "the worker set is derived by role, never a second list");
        assertEquals(Set.of(Role.MANAGER), reader.read("manager").roles());
        Profile dual = reader.read("default");
        assertEquals(Set.of(Role.WORKER, Role.MANAGER), dual.roles());
        assertTrue(!dual.isReadOnly());
    }

    @Test
    void userAddsAProfileByAddingAFile() throws Exception {
        Files.writeString(profiles.resolve("gateway.profile"), """
                # a worker that only runs the HTTP pieces
                roles = worker
                features = framework, http
                property.felix.fileinstall.poll = 2000
                """);
        Profile gateway = new ProfileReader(profiles).read("gateway");
        assertEquals(List.of("framework", "http"), gateway.features());
        assertEquals("2000", gateway.properties().get("felix.fileinstall.poll"));
    }

    @Test
    void unknownProfileListsTheAvailableOnes() throws Exception {
        Files.writeString(profiles.resolve("worker.profile"), "roles = worker\n");
        LaunchException e = assertThrows(LaunchException.class, () -> new ProfileReader(profiles).read("nope"));
        assertTrue(e.getMessage().startsWith("Unknown profile 'nope'"), e.getMessage());
        assertTrue(e.getMessage().contains("available profiles: worker"), e.getMessage());
    }

    @Test
    void mistakesNameFileAndLine() throws Exception {
        Files.writeString(profiles.resolve("bad.profile"), "# comment\nroles = worker, janitor\n");
        LaunchException role = assertThrows(LaunchException.class, () -> new ProfileReader(profiles).read("bad"));
        assertTrue(role.getMessage().contains("bad.profile line 2"), role.getMessage());
        assertTrue(role.getMessage().contains("unknown role 'janitor'"), role.getMessage());

        Files.writeString(profiles.resolve("typo.profile"), "roles = worker\nfeatrues = *\n");
        LaunchException key = assertThrows(LaunchException.class, () -> new ProfileReader(profiles).read("typo"));
        assertTrue(key.getMessage().contains("typo.profile line 2: unknown key 'featrues'"), key.getMessage());

        Files.writeString(profiles.resolve("empty.profile"), "description = nothing\n");
        LaunchException none = assertThrows(LaunchException.class, () -> new ProfileReader(profiles).read("empty"));
        assertTrue(none.getMessage().contains("has no 'roles' line"), none.getMessage());

        Files.writeString(profiles.resolve("noeq.profile"), "roles worker\n");
        LaunchException noEq = assertThrows(LaunchException.class, () -> new ProfileReader(profiles).read("noeq"));
        assertTrue(noEq.getMessage().contains("line 1: expected 'key = value'"), noEq.getMessage());
    }

    @Test
    void profileNamesCannotEscapeTheFolder() {
        LaunchException e = assertThrows(LaunchException.class, () -> new ProfileReader(profiles).read("../etc/passwd"));
        assertTrue(e.getMessage().contains("is not valid"), e.getMessage());
    }
}
