package io.carbide.management.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.cluster.ManagerRecords;
import io.carbide.cluster.NoQuorumException;
import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two managers' users following one shared table: what one manager changes, the other accepts;
 * the second manager's own users are kept aside, not lost; writes at once on both keep both; and
 * with no majority a change is refused and changes nothing.
 */
class SharedUsersTest {

    @TempDir
    Path bases;

    private final List<Users> opened = new ArrayList<>();

    /** The managers' records as their consensus would hold them: writes in one order, watchers told of each. */
    static final class Records implements ManagerRecords {
        private final Map<String, Versioned> records = new HashMap<>();
        private final Map<String, List<Consumer<Versioned>>> watchers = new HashMap<>();
        volatile boolean quorum = true;

        @Override
        public synchronized Versioned read(String key) {
            return records.getOrDefault(key, Versioned.NONE);
        }

        @Override
        public boolean compareAndSet(String key, long expected, byte[] value) throws NoQuorumException {
            if (!quorum) {
                throw new NoQuorumException("no quorum: 1 of 3 managers reachable");
            }
            Versioned written;
            List<Consumer<Versioned>> told;
            synchronized (this) {
                if (read(key).version() != expected) {
                    return false;
                }
                written = new Versioned(expected + 1, value.clone());
                records.put(key, written);
                told = List.copyOf(watchers.getOrDefault(key, List.of()));
            }
            told.forEach(watcher -> watcher.accept(written));
            return true;
        }

        @Override
        public int voters() {
            return 3;
        }

        @Override
        public synchronized Runnable watch(String key, Consumer<Versioned> changed) {
            watchers.computeIfAbsent(key, k -> new ArrayList<>()).add(changed);
            return () -> {
                synchronized (this) {
                    watchers.get(key).remove(changed);
                }
            };
        }
    }

    private Users manager(String name, Records records) throws IOException {
        Path base = bases.resolve(name);
        Files.createDirectories(base.resolve("conf"));
        NodeIdentity node = (NodeIdentity) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {NodeIdentity.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "base" -> base;
                    case "name" -> name;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        Users users = new Users(node, new Sessions(), records != null, 0, 0);
        opened.add(users);
        if (records != null) {
            users.bindShared(records);
        }
        return users;
    }

    @AfterEach
    void close() {
        opened.forEach(Users::close);
    }

    private static String generatedPassword(Path base) throws IOException {
        return Files.readString(base.resolve("conf/admin.password"), StandardCharsets.UTF_8).strip();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void whatOneManagerChangesTheOtherAcceptsAndItsOwnUsersAreKeptAside() throws Exception {
        Records records = new Records();
        Users first = manager("m1", records);
        String firstAdmin = generatedPassword(bases.resolve("m1"));
        await("m1 seeds the shared users", () -> records.read(Users.SHARED_KEY).version() == 1);

        Users second = manager("m2", null);
        second.set("local-only", "local-password-1", UserRole.VIEWER);
        second.bindShared(records);
        await("m2 adopts the shared users", () -> !second.exists("local-only"));
        assertTrue(second.verify("admin", firstAdmin), "m1's admin logs in on m2");
        String aside = Files.readString(bases.resolve("m2/conf/users.properties.before-shared"));
        assertTrue(aside.contains("local-only = "), "m2's own users are kept, not lost: " + aside);
        assertFalse(Files.exists(bases.resolve("m2/conf/admin.password")),
                "m2's generated admin password is not admin's any more, so its file goes");

        second.set("deployer1", "deployer-password-1", UserRole.DEPLOYER);
        await("m1 accepts the user made on m2", () -> first.exists("deployer1"));
        assertTrue(first.verify("deployer1", "deployer-password-1"));
        assertEquals(UserRole.DEPLOYER, first.role("deployer1").orElseThrow());
        assertTrue(Files.readString(bases.resolve("m1/conf/users.properties")).contains("deployer1 = "),
                "m1's file is a copy of the shared users");

        assertTrue(first.remove("deployer1"));
        await("m2 forgets the user removed on m1", () -> !second.exists("deployer1"));
        assertFalse(second.verify("deployer1", "deployer-password-1"));
    }

    @Test
    void twoManagersWritingAtOnceKeepBothChanges() throws Exception {
        Records records = new Records();
        Users first = manager("m1", records);
        await("m1 seeds", () -> records.read(Users.SHARED_KEY).version() == 1);
        Users second = manager("m2", records);
        await("m2 adopts", () -> second.verify("admin", generatedPasswordUnchecked(bases.resolve("m1"))));

        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Users on = i % 2 == 0 ? first : second;
            String name = "user" + i;
            writes.add(CompletableFuture.runAsync(() -> {
                try {
                    on.set(name, "password-of-" + name, UserRole.VIEWER);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        await("both managers hold all six users", () -> first.names().size() == 7 && second.names().size() == 7);
        assertEquals(first.roles(), second.roles());
    }

    @Test
    void anAdminPasswordResetOnOneManagerBecomesAdminsPasswordOnEveryManager() throws Exception {
        Records records = new Records();
        Users first = manager("m1", records);
        String before = generatedPassword(bases.resolve("m1"));
        await("m1 seeds", () -> records.read(Users.SHARED_KEY).version() == 1);
        Users second = manager("m2", records);
        await("m2 adopts", () -> second.verify("admin", before));

        // the operator locked out restarts m2 with -Dcarbide.resetAdminPassword=true (README, "Management users")
        second.close();
        Users reset;
        System.setProperty(Users.RESET_PROPERTY, "true");
        try {
            reset = manager("m2", records);
        } finally {
            System.clearProperty(Users.RESET_PROPERTY);
        }
        String after = generatedPassword(bases.resolve("m2"));
        await("the reset password logs in on m2", () -> reset.verify("admin", after));
        await("and on m1, through the shared users", () -> first.verify("admin", after));
        assertFalse(first.verify("admin", before), "the old password no longer logs in anywhere");
        assertFalse(reset.verify("admin", before));
    }

    private static String generatedPasswordUnchecked(Path base) {
        try {
            return generatedPassword(base);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void whoMayChangeIsJudgedOnTheUsersTheChangeIsMadeTo() throws Exception {
        Records records = new Records();
        Users first = manager("m1", records);
        await("m1 seeds", () -> records.read(Users.SHARED_KEY).version() == 1);
        first.set("ops", "ops-password-1", UserRole.ADMIN);
        first.set("eve", "eve-password-1", UserRole.VIEWER);
        Users second = manager("m2", records);
        await("m2 adopts", () -> second.exists("ops") && second.exists("eve"));
        second.close(); // m2 hears of nothing more: its table is a step behind, as during a race
        first.set("ops", null, UserRole.VIEWER);
        first.remove("eve");

        // on m2's stale table ops is still an admin, and eve still exists; the write is redone on the shared
        // table, where ops is a viewer and eve is gone
        Users.Forbidden demoted = assertThrows(Users.Forbidden.class, () -> second.set("backdoor", "backdoor-pass-1",
                UserRole.ADMIN, new Users.Actor("ops", null)));
        assertTrue(demoted.getMessage().contains("needs the admin role"), demoted.getMessage());
        Users.Forbidden gone = assertThrows(Users.Forbidden.class, () -> second.set("eve", "eve-password-2", null,
                new Users.Actor("eve", null)));
        assertTrue(gone.getMessage().contains("no longer exists"), gone.getMessage());
        assertFalse(first.exists("backdoor"));
        assertFalse(first.exists("eve"), "a removed user is not brought back by their own password change");
    }

    @Test
    void withNoMajorityAChangeIsRefusedAndChangesNothing() throws Exception {
        Records records = new Records();
        Users users = manager("m1", records);
        await("m1 seeds", () -> records.read(Users.SHARED_KEY).version() == 1);
        records.quorum = false;
        Users.NotCommitted refused = assertThrows(Users.NotCommitted.class,
                () -> users.set("newcomer", "newcomer-password", UserRole.VIEWER));
        assertTrue(refused.getMessage().contains("1 of 3 managers reachable"), refused.getMessage());
        assertFalse(users.exists("newcomer"));
        assertFalse(Files.readString(bases.resolve("m1/conf/users.properties")).contains("newcomer"));
        assertTrue(users.verify("admin", generatedPassword(bases.resolve("m1"))),
                "the users already there still log in with no majority reachable");
    }
}
