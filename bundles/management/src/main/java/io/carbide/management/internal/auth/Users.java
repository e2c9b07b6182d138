package io.carbide.management.internal.auth;

import io.carbide.cluster.ManagerRecords;
import io.carbide.cluster.NoQuorumException;
import io.carbide.node.AtomicFile;
import io.carbide.node.NodeIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management users, kept in {@code conf/users.properties} as {@code name = hash} lines
 * ({@link PasswordHash}; never plain text) in the node's own base, each with its {@link UserRole}
 * after the hash ({@code name = hash role=deployer}); a line without one is an admin, as every
 * user was before roles. A manager that has no such
 * file creates it with the user {@code admin}, whose password comes from
 * {@code CARBIDE_ADMIN_PASSWORD} or is generated, printed on the console and kept in the owner-only
 * {@code conf/admin.password} until it is first changed. {@code -Dcarbide.resetAdminPassword=true}
 * sets admin's password again the same way at a start, for an operator who lost it.
 *
 * <p>The users are the cluster's, not one manager's: the managers keep one table of them by
 * consensus ({@link ManagerRecords}, record {@value #SHARED_KEY}; it never reaches a worker), so
 * every manager accepts the same log-ins. The first manager to reach its peers seeds the table
 * with its own users; every other manager then follows it, keeping the users it had until then in
 * {@code users.properties.before-shared}. A change is written to the table first (it needs a
 * majority of the managers) and takes effect on every manager as it is applied. The local file
 * stays a copy of the table as last applied, so a manager whose peers are unreachable still
 * lets its users log in.
 *
 * <p>The first admin's hash is computed off the start-up path (it takes a second in a JVM that
 * has just started), and log-ins wait for it.
 *
 * <p>Checking a hash is slow on purpose (about 0.2 s), so a password that was just checked is
 * remembered for a few minutes, keyed by a digest salted with a key that lives only in memory:
 * scripts that send HTTP Basic on every call stay fast.
 */
@Component(service = Users.class)
public class Users {

    static final String FILE_NAME = "users.properties";
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD_ENV = "CARBIDE_ADMIN_PASSWORD";
    /** With {@code -Dcarbide.resetAdminPassword=true}, a start gives admin a new password (for an operator locked out). */
    static final String RESET_PROPERTY = "carbide.resetAdminPassword";
    static final String GENERATED_PASSWORD_FILE = "admin.password";
    static final int MIN_PASSWORD_LENGTH = 8;
    /** The managers' record holding the users table. */
    static final String SHARED_KEY = "management.users";
    /** The line that opens the shared table: its format, for managers of a later version to read tolerantly. */
    static final String SHARED_FORMAT_LINE = "# carbide management users, format 1";
    /** The line of the local file saying which version of the shared table it is a copy of. */
    private static final String SHARED_VERSION_LINE = "# shared version ";
    private static final int CHANGE_ATTEMPTS = 5;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final long REMEMBER_MILLIS = 5 * 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(Users.class);

    private final Path file;
    private final Path generatedPassword;
    private final Map<String, String> hashes = new TreeMap<>();
    private final Map<String, UserRole> roles = new TreeMap<>();
    private final Map<String, Long> recentlyChecked = new ConcurrentHashMap<>();
    private final byte[] memoryKey = new byte[32];
    private final CompletableFuture<Void> loaded;
    private final Sessions sessions;
    /**
     * The version of the managers' shared table in effect here; 0 until this manager adopts or seeds
     * one after its start (until then the local file's users log in, even with no peer reachable).
     */
    private long sharedVersion;
    /** Whether the local file was ever a copy of the shared table (else it is kept aside when the table replaces it). */
    private boolean fileFollowedShared;
    private volatile ManagerRecords shared;
    /**
     * Admin's hash from a reset at this start (or from a users file found emptied), until the
     * managers' shared table has it: it stays in effect here over any table adopted meanwhile.
     */
    private volatile String resetAdminHash;
    private volatile Runnable stopWatching = () -> { };
    /** Seeds or adopts the shared table off the consensus' thread; retries while no majority is reachable. */
    private final java.util.concurrent.ScheduledExecutorService sync =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "carbide-users-sync");
                thread.setDaemon(true);
                return thread;
            });

    /** How long a manager whose users file this start created waits before it seeds the shared table itself. */
    static final long FRESH_SEED_DELAY_MILLIS = 60_000;
    /**
     * How long any manager waits after its start before it seeds: a manager that restarts behind
     * the others reads no table until it has caught up, and a proposal it sent meanwhile would
     * crowd the leader's queue (the consensus keeps lagging managers from proposing for that reason).
     */
    static final long SETTLE_MILLIS = 10_000;

    /** Whether changes wait for the shared table (always on a manager; tests of one manager's file may not). */
    private final boolean requireShared;
    /**
     * When this manager may seed the shared table with its own users: at once if it had users (or
     * is the only manager), a minute after its start if it has just created its users file, so the
     * managers that had users first seed theirs (a new manager's lone admin should not replace a
     * cluster's users).
     */
    private final long seedNotBefore;
    /** When a lone manager may seed: it has no peers to wait for, only its own log to catch up on. */
    private final long seedAloneNotBefore;

    @Activate
    public Users(@Reference NodeIdentity node, @Reference Sessions sessions) throws IOException {
        this(node, sessions, true, SETTLE_MILLIS, FRESH_SEED_DELAY_MILLIS);
    }

    Users(NodeIdentity node, Sessions sessions, boolean requireShared, long settleMillis, long freshSeedDelayMillis)
            throws IOException {
        this.sessions = sessions;
        this.requireShared = requireShared;
        new SecureRandom().nextBytes(memoryKey);
        this.file = node.base().resolve("conf").resolve(FILE_NAME);
        this.generatedPassword = file.resolveSibling(GENERATED_PASSWORD_FILE);
        String fromEnvironment = System.getenv(ADMIN_PASSWORD_ENV);
        long now = System.currentTimeMillis();
        seedNotBefore = now + (Files.exists(file) ? settleMillis : Math.max(settleMillis, freshSeedDelayMillis));
        seedAloneNotBefore = now + settleMillis;
        if (!Files.exists(file)) {
            loaded = setAdmin(fromEnvironment, "Created", false); // a new manager joining others takes their users
        } else {
            boolean anyLine = load();
            if (!anyLine) {
                // an emptied file (a copy gone wrong, an old crash) must not lock every operator out; a file
                // whose lines cannot be read is left for the operator (each line was named above)
                LOG.warn("{} holds no user at all; management user admin is created again", file);
                loaded = setAdmin(fromEnvironment, "Created", true);
            } else if (Boolean.getBoolean(RESET_PROPERTY)) {
                LOG.warn("The password of management user admin is reset at this start (-D{}=true); remove that option "
                        + "so that the next start keeps the password", RESET_PROPERTY);
                loaded = setAdmin(fromEnvironment, "Reset", true);
            } else {
                if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
                    LOG.info("{} is set, but {} already holds the users: it sets admin's password only at the first "
                            + "start, or with -D{}=true", ADMIN_PASSWORD_ENV, file, RESET_PROPERTY);
                }
                loaded = CompletableFuture.completedFuture(null);
            }
        }
    }

    /** Reads the users; false when the file holds no line but comments (emptied, not merely unreadable). */
    private boolean load() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            LOG.error("{} is not UTF-8 text; the management port stays closed until it is fixed (or deleted, to "
                    + "start over with a new admin password)", file);
            throw new IOException(file + " is not UTF-8 text", e);
        }
        Table table = Table.parse(lines, file.toString());
        hashes.putAll(table.hashes);
        roles.putAll(table.roles);
        for (String line : lines) {
            // which version it copied is for the operator: this manager adopts whatever the managers hold now
            fileFollowedShared |= line.startsWith(SHARED_VERSION_LINE);
        }
        LOG.info("Management users: {} in {}{}", hashes.size(), file,
                fileFollowedShared ? " (a copy of the managers' shared users)" : "");
        return lines.stream().map(String::strip).anyMatch(line -> !line.isEmpty() && !line.startsWith("#"));
    }

    /** Users and their roles, as read from the local file or the managers' shared table. */
    static final class Table {
        final Map<String, String> hashes = new TreeMap<>();
        final Map<String, UserRole> roles = new TreeMap<>();

        /** Reads {@code name = hash [role=ROLE]} lines; a line that is not one is named in the log and skipped. */
        static Table parse(List<String> lines, String source) {
            Table table = new Table();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int eq = line.indexOf('=');
                String name = eq < 0 ? "" : line.substring(0, eq).strip();
                String[] value = eq < 0 ? new String[] {""} : line.substring(eq + 1).strip().split("\\s+");
                String hash = value[0];
                if (!NAME.matcher(name).matches() || !PasswordHash.isWellFormed(hash)) {
                    LOG.warn("Line {} of {} is not 'name = {}:...'; that user cannot log in. Set the password again "
                            + "with PUT /api/users/NAME", i + 1, source, PasswordHash.SCHEME);
                    continue;
                }
                UserRole role = UserRole.ADMIN;
                if (value.length > 1) {
                    try {
                        if (value.length > 2 || !value[1].startsWith("role=")) {
                            throw new IllegalArgumentException("'" + value[1] + "' is not role=viewer, deployer or admin");
                        }
                        role = UserRole.parse(value[1].substring("role=".length()));
                    } catch (IllegalArgumentException e) {
                        LOG.warn("Line {} of {}: {}; user {} cannot log in until the line is fixed", i + 1, source,
                                e.getMessage(), name);
                        continue;
                    }
                }
                table.hashes.put(name, hash);
                table.roles.put(name, role);
            }
            return table;
        }

        /** One {@code name = hash [role=ROLE]} line per user, by name; admin needs no role word. */
        List<String> lines() {
            List<String> lines = new ArrayList<>();
            hashes.forEach((name, hash) -> {
                UserRole role = roles.getOrDefault(name, UserRole.ADMIN);
                lines.add(name + " = " + hash + (role == UserRole.ADMIN ? "" : " role=" + role.label()));
            });
            return lines;
        }

        byte[] shared() {
            return (SHARED_FORMAT_LINE + "\n" + String.join("\n", lines()) + "\n").getBytes(StandardCharsets.UTF_8);
        }

        long admins() {
            return hashes.keySet().stream().filter(n -> roles.getOrDefault(n, UserRole.ADMIN) == UserRole.ADMIN).count();
        }
    }

    /**
     * Gives admin a password: the one from the environment, or a generated one that is printed on
     * the console and kept in an owner-only file until it is first changed (a node started in the
     * background prints it where the next start would overwrite it).
     */
    private CompletableFuture<Void> setAdmin(String fromEnvironment, String what, boolean overShared) {
        boolean generated = fromEnvironment == null || fromEnvironment.isEmpty();
        String password = generated ? PasswordHash.generate(20) : fromEnvironment;
        try {
            if (generated) {
                AtomicFile.writePrivate(generatedPassword, (password + "\n").getBytes(StandardCharsets.UTF_8));
                // stdout, never the log: the password is shown to whoever started the node
                System.out.println();
                System.out.println("  Carbide management user 'admin' " + what.toLowerCase(java.util.Locale.ROOT)
                        + "; its password is: " + password);
                System.out.println("  It is also in " + generatedPassword + " (readable by you only) until you change it");
                System.out.println("  with PUT /api/users/admin or in the console; that file goes with the first change.");
                System.out.println();
            } else {
                Files.deleteIfExists(generatedPassword);
            }
        } catch (IOException e) {
            LOG.error("Could not write {}: {}; the generated admin password is only on the console", generatedPassword,
                    e.toString());
        }
        return CompletableFuture.runAsync(() -> {
            String hash = PasswordHash.hash(password.toCharArray());
            if (overShared) {
                resetAdminHash = hash;
            }
            synchronized (this) {
                hashes.put(ADMIN, hash);
                roles.put(ADMIN, UserRole.ADMIN);
                try {
                    save();
                } catch (IOException e) {
                    LOG.error("Could not write {}: {}; admin's password lasts only until the node stops", file,
                            e.toString());
                    return;
                }
            }
            LOG.info("{} management user admin in {} with {}", what, file, generated
                    ? "a generated password, kept in " + generatedPassword + " until it is first changed"
                    : "the password from " + ADMIN_PASSWORD_ENV);
        }, runnable -> {
            Thread thread = new Thread(runnable, "carbide-users-setup");
            thread.setDaemon(true);
            thread.start();
        });
    }

    private void awaitLoaded() {
        loaded.join();
    }

    /** A hash no password matches, checked for names that are no user. */
    private static final class UnknownUser {
        static final String HASH = PasswordHash.hash(PasswordHash.generate(24).toCharArray());
    }

    /** Whether {@code password} was checked as the user's a moment ago (no slow check, no wait). */
    public boolean remembered(String name, String password) {
        if (!loaded.isDone() || password == null) {
            return false;
        }
        String hash = hashOf(name);
        return hash != null && fresh(recentlyChecked.get(rememberKey(name, password, hash)), System.currentTimeMillis());
    }

    /** Whether {@code password} is the user's; slow the first time, remembered briefly after that. */
    public boolean verify(String name, String password) {
        awaitLoaded();
        String hash = hashOf(name);
        if (hash == null || password == null) {
            // as slow as a wrong password: how long a refusal takes must not tell which names exist
            slowCheck((password == null ? "" : password).toCharArray(), UnknownUser.HASH);
            return false;
        }
        String key = rememberKey(name, password, hash);
        long now = System.currentTimeMillis();
        if (fresh(recentlyChecked.get(key), now)) {
            return true;
        }
        if (slowCheck(password.toCharArray(), hash)) {
            recentlyChecked.put(key, now);
            recentlyChecked.values().removeIf(at -> !fresh(at, now));
            return true;
        }
        return false;
    }

    private synchronized String hashOf(String name) {
        return hashes.get(name);
    }

    private static boolean fresh(Long checkedAt, long now) {
        return checkedAt != null && now - checkedAt < REMEMBER_MILLIS;
    }

    /**
     * A password hash check, at most half the processors at a time and in arrival order: a flood of
     * log-ins waits its turn instead of taking every core from the node's clients.
     */
    private static boolean slowCheck(char[] password, String hash) {
        CHECKS.acquireUninterruptibly();
        try {
            return PasswordHash.matches(password, hash);
        } finally {
            CHECKS.release();
        }
    }

    private static final java.util.concurrent.Semaphore CHECKS = new java.util.concurrent.Semaphore(
            Math.max(1, Runtime.getRuntime().availableProcessors() / 2), true);

    /** Creates the user (an admin) or changes its password, keeping its role. */
    public void setPassword(String name, String password) throws IOException {
        set(name, password, null, Actor.NODE);
    }

    /** {@link #set(String, String, UserRole, Actor)} by the node itself. */
    public void set(String name, String password, UserRole role) throws IOException {
        set(name, password, role, Actor.NODE);
    }

    /**
     * Creates the user or changes it: its password (null keeps it; a new user needs one) and its
     * role (null keeps it; a new user without one is a viewer, the least it can be).
     *
     * @throws IllegalStateException when the change would leave no admin: nobody could manage users again
     * @throws Forbidden when the actor is not an admin, and this is not a change of their own password
     * @throws NotCommitted when the managers could not commit it (no majority reachable)
     */
    public void set(String name, String password, UserRole role, Actor actor) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a user name is 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        if (password != null && password.length() < MIN_PASSWORD_LENGTH) {
            throw new IllegalArgumentException("a password has at least " + MIN_PASSWORD_LENGTH + " characters");
        }
        awaitLoaded();
        String hash = password == null ? null : PasswordHash.hash(password.toCharArray());
        change(table -> {
            if (actor.roleIn(table) != UserRole.ADMIN) {
                if (!actor.name().equals(name) || role != null) {
                    throw new Forbidden(!table.hashes.containsKey(name) ? "creating a user needs the admin role"
                            : role != null ? "changing a role needs the admin role; you may change your own password"
                                    : "changing another user's password needs the admin role");
                }
                if (!table.hashes.containsKey(name)) {
                    throw new Forbidden("user " + name + " no longer exists"); // removed on another manager meanwhile
                }
            }
            if (hash == null && !table.hashes.containsKey(name)) {
                throw new IllegalArgumentException("a new user needs a password of at least " + MIN_PASSWORD_LENGTH
                        + " characters");
            }
            UserRole now = table.roles.getOrDefault(name, table.hashes.containsKey(name) ? UserRole.ADMIN : UserRole.VIEWER);
            UserRole next = role == null ? now : role;
            if (table.hashes.containsKey(name) && now == UserRole.ADMIN && next != UserRole.ADMIN && table.admins() == 1) {
                throw new IllegalStateException("user " + name + " is the last admin; make another user an admin first");
            }
            if (hash != null) {
                table.hashes.put(name, hash);
            }
            table.roles.put(name, next);
            return true;
        });
        LOG.info("Management user {} set{}{}", name, password == null ? "" : " (password)",
                role == null ? "" : " (role " + role.label() + ")");
        if (name.equals(ADMIN) && password != null) {
            forgetGeneratedPassword();
        }
    }

    /**
     * Removes a user.
     *
     * @return false when there is no such user
     * @throws IllegalStateException when it is the last one or the last admin: nobody could log in or manage users again
     * @throws Forbidden when the actor is not an admin
     * @throws NotCommitted when the managers could not commit it (no majority reachable)
     */
    public boolean remove(String name, Actor actor) throws IOException {
        awaitLoaded();
        boolean removed = change(table -> {
            if (actor.roleIn(table) != UserRole.ADMIN) {
                throw new Forbidden("removing a user needs the admin role");
            }
            if (!table.hashes.containsKey(name)) {
                return false;
            }
            if (table.hashes.size() == 1) {
                throw new IllegalStateException("user " + name + " is the last one; create another user first");
            }
            if (table.roles.getOrDefault(name, UserRole.ADMIN) == UserRole.ADMIN && table.admins() == 1) {
                throw new IllegalStateException("user " + name + " is the last admin; make another user an admin first");
            }
            table.hashes.remove(name);
            table.roles.remove(name);
            return true;
        });
        if (removed) {
            LOG.info("Management user {} removed", name);
            if (name.equals(ADMIN)) {
                forgetGeneratedPassword();
            }
        }
        return removed;
    }

    /**
     * Who asks for a change: its role is judged on the very table the change is made to (another
     * manager may have demoted or removed them a moment ago). {@code outsideRole} is the role of a
     * user who is not in the table (a directory user), or null.
     */
    public record Actor(String name, UserRole outsideRole) {
        /** The node itself: a reset of admin's password at a start. */
        public static final Actor NODE = new Actor("", UserRole.ADMIN);

        UserRole roleIn(Table table) {
            return table.hashes.containsKey(name) ? table.roles.getOrDefault(name, UserRole.ADMIN) : outsideRole;
        }
    }

    /** The actor may not make this change (judged on the users as they are now); nothing changed. */
    public static final class Forbidden extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Forbidden(String message) {
            super(message);
        }
    }

    /** The managers could not commit a change of the users (the message says why); nothing changed. */
    public static final class NotCommitted extends IOException {
        private static final long serialVersionUID = 1L;

        NotCommitted(String message) {
            super(message);
        }
    }

    /** {@link #remove(String, Actor)} by the node itself. */
    public boolean remove(String name) throws IOException {
        return remove(name, Actor.NODE);
    }

    /** An edit of the users table: false when there is nothing to change. */
    private interface Edit {
        boolean apply(Table table);
    }

    /**
     * Applies an edit to a copy of the users as they are now and puts it in effect: written to the
     * managers' shared table first where there is one (redone on what it holds if another manager
     * wrote first), then here and in the local file. A change not committed is not in effect
     * anywhere.
     */
    private boolean change(Edit edit) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Table next;
            long version;
            synchronized (this) {
                next = copy();
                version = sharedVersion;
            }
            if (!edit.apply(next)) {
                return false;
            }
            ManagerRecords records = shared;
            if (records == null && requireShared) {
                // made here alone, it would be overwritten when the managers' table arrives
                throw new NotCommitted("the managers' shared users are not available yet (this manager is starting); "
                        + "try again in a few seconds");
            }
            if (records != null) {
                boolean written;
                try {
                    written = records.compareAndSet(SHARED_KEY, version, next.shared());
                } catch (NoQuorumException e) {
                    throw new NotCommitted("the change of the management users was not made: " + e.getMessage());
                }
                if (!written) {
                    if (attempt == CHANGE_ATTEMPTS) {
                        throw new NotCommitted("the management users kept changing on other managers; try again");
                    }
                    adopt(records.read(SHARED_KEY)); // another manager wrote first: redo the edit on its table
                    continue;
                }
                version++;
            }
            synchronized (this) {
                if (records == null || sharedVersion < version) { // else this write, or a later one, was adopted already
                    Table before = copy();
                    install(next, records == null ? sharedVersion : version);
                    saveOrWarn();
                    endChangedSessions(before, next);
                }
            }
            recentlyChecked.clear();
            return true;
        }
    }

    private Table copy() {
        Table table = new Table();
        table.hashes.putAll(hashes);
        hashes.keySet().forEach(name -> table.roles.put(name, roles.getOrDefault(name, UserRole.ADMIN)));
        return table;
    }

    private void install(Table table, long version) {
        hashes.clear();
        hashes.putAll(table.hashes);
        roles.clear();
        roles.putAll(table.roles);
        sharedVersion = version;
    }

    /** What is committed among the managers is in effect even when this manager's copy on disk failed. */
    private void saveOrWarn() {
        try {
            save();
        } catch (IOException e) {
            LOG.error("Could not write {}: {}; the users are in effect, and the file is written again at the next "
                    + "change", file, e.toString());
        }
    }

    /** Whoever knew a password that changed, or is no user any more, is logged out here. */
    private void endChangedSessions(Table before, Table after) {
        before.hashes.forEach((name, hash) -> {
            if (!hash.equals(after.hashes.get(name))) {
                sessions.closeAll(name);
            }
        });
        // a new local user ends any session a directory user of that name had: it is someone else now
        after.hashes.keySet().stream().filter(name -> !before.hashes.containsKey(name)).forEach(sessions::closeAll);
    }

    /** The user's role; empty for a name that is no user. */
    public java.util.Optional<UserRole> role(String name) {
        awaitLoaded();
        synchronized (this) {
            return java.util.Optional.ofNullable(hashes.containsKey(name) ? roles.getOrDefault(name, UserRole.ADMIN) : null);
        }
    }

    /** Every user and their role, by name. */
    public Map<String, UserRole> roles() {
        awaitLoaded();
        synchronized (this) {
            return copy().roles;
        }
    }

    /** Once admin's password has changed, the generated one stays nowhere on disk. */
    private void forgetGeneratedPassword() {
        try {
            if (Files.deleteIfExists(generatedPassword)) {
                AtomicFile.forceFolder(generatedPassword.getParent());
                LOG.info("Removed {}: admin's generated password is no longer in use", generatedPassword);
            }
        } catch (IOException e) {
            LOG.warn("Could not remove {} (it holds admin's former password): {}; delete it by hand", generatedPassword,
                    e.toString());
        }
    }

    public Set<String> names() {
        awaitLoaded();
        synchronized (this) {
            return Set.copyOf(hashes.keySet());
        }
    }

    public boolean exists(String name) {
        awaitLoaded();
        synchronized (this) {
            return hashes.containsKey(name);
        }
    }

    // ---- the managers' shared table

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindShared(ManagerRecords records) {
        shared = records;
        stopWatching = records.watch(SHARED_KEY, record -> onSync(() -> follow(records, record)));
        onSync(() -> follow(records, records.read(SHARED_KEY)));
    }

    void unbindShared(ManagerRecords records) {
        if (shared == records) {
            shared = null;
            stopWatching.run();
        }
    }

    @Deactivate
    void close() {
        stopWatching.run();
        sync.shutdownNow();
    }

    /** Runs on the sync thread; a users component that has stopped ignores what still arrives. */
    private void onSync(Runnable task) {
        try {
            sync.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("Management users stopped; a change of the shared users is not followed here");
        }
    }

    /** Follows the shared table: adopts a newer one, or seeds it with this manager's users when there is none yet. */
    private void follow(ManagerRecords records, ManagerRecords.Versioned record) {
        if (shared != records) {
            return;
        }
        if (record.version() > 0) {
            adopt(record);
            pushAdminReset();
            return;
        }
        try {
            loaded.join();
            long wait = (records.voters() > 1 ? seedNotBefore : seedAloneNotBefore) - System.currentTimeMillis();
            if (wait > 0) { // a manager that had users seeds first; this one adopts theirs when they do
                sync.schedule(() -> follow(records, records.read(SHARED_KEY)), Math.min(wait, 5_000),
                        java.util.concurrent.TimeUnit.MILLISECONDS);
                return;
            }
            Table mine;
            synchronized (this) {
                mine = copy();
            }
            // safe however late: if another manager seeded first (or the log, not replayed yet, holds a
            // table), this write is refused and the table it holds is adopted instead
            if (records.compareAndSet(SHARED_KEY, 0, mine.shared())) {
                synchronized (this) {
                    sharedVersion = Math.max(sharedVersion, 1);
                    fileFollowedShared = true;
                    saveOrWarn();
                }
                resetAdminHash = null; // the reset admin is in what was shared
                LOG.info("The managers share this manager's {} management users from now on", mine.hashes.size());
            } else {
                adopt(records.read(SHARED_KEY));
            }
            pushAdminReset();
        } catch (NoQuorumException | IOException | RuntimeException e) {
            // not yet: the managers are electing a leader, or one of them runs an earlier version
            LOG.debug("Management users not shared yet: {}", e.getMessage());
            sync.schedule(() -> follow(records, records.read(SHARED_KEY)), 5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /**
     * A start with {@code -Dcarbide.resetAdminPassword=true} gave admin a new password here; where
     * the managers share their users, it takes effect once written to their table.
     */
    private void pushAdminReset() {
        String hash = resetAdminHash;
        if (hash == null || shared == null) {
            return;
        }
        try {
            change(table -> {
                table.hashes.put(ADMIN, hash);
                table.roles.put(ADMIN, UserRole.ADMIN);
                return true;
            });
            resetAdminHash = null;
            LOG.info("The reset password of management user admin is now the managers' shared one");
        } catch (IOException | RuntimeException e) {
            LOG.warn("The reset password of management user admin is not shared with the other managers yet: {}; "
                    + "tried again in 5 s", e.getMessage());
            sync.schedule(this::pushAdminReset, 5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** Puts a newer shared table in effect here, keeping a manager's own users aside the first time. */
    void adopt(ManagerRecords.Versioned record) {
        loaded.join();
        Table table = Table.parse(List.of(new String(record.value(), StandardCharsets.UTF_8).split("\n")),
                "the managers' shared users (version " + record.version() + ")");
        boolean adminChanged;
        synchronized (this) {
            if (record.version() <= sharedVersion) {
                return;
            }
            if (table.hashes.isEmpty() || table.admins() == 0) {
                LOG.error("Version {} of the managers' shared users holds {}; this manager keeps the users it has "
                        + "until a change with an admin arrives", record.version(), table.hashes.isEmpty() ? "no user"
                        : "no admin");
                return;
            }
            String reset = resetAdminHash;
            if (reset != null) {
                table.hashes.put(ADMIN, reset);
                table.roles.put(ADMIN, UserRole.ADMIN);
            }
            Table before = copy();
            if (!fileFollowedShared && !before.hashes.equals(table.hashes)) {
                keepAside();
            }
            adminChanged = !java.util.Objects.equals(before.hashes.get(ADMIN), table.hashes.get(ADMIN));
            install(table, record.version());
            fileFollowedShared = true;
            saveOrWarn();
            endChangedSessions(before, table);
        }
        recentlyChecked.clear();
        LOG.info("Management users: version {} of the managers' shared users, {} users", record.version(),
                table.hashes.size());
        if (adminChanged) {
            forgetGeneratedPassword(); // it is no longer admin's password: the shared one is
        }
    }

    /** Keeps the users this manager had on its own, before the shared table replaced them, for the operator. */
    private void keepAside() {
        Path aside = file.resolveSibling(FILE_NAME + ".before-shared");
        try {
            if (Files.exists(file)) {
                AtomicFile.writePrivate(aside, Files.readAllBytes(file));
                LOG.warn("This manager's own management users differ from the users the managers share; the shared "
                        + "ones are in effect here now, and this manager's are kept in {}", aside);
            }
        } catch (IOException e) {
            LOG.warn("Could not keep this manager's own users in {}: {}", aside, e.toString());
        }
    }

    /** Owner-only, never half-written, and on disk before the change is acknowledged ({@link AtomicFile}). */
    private void save() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# Carbide management users: name = " + PasswordHash.SCHEME + ":ITERATIONS:SALT:HASH [role=ROLE]");
        lines.add("# ROLE is viewer, deployer or admin; a line without one is an admin. Passwords are never");
        lines.add("# stored. Set one with PUT /api/users/NAME on the management port, or in the console.");
        if (fileFollowedShared) {
            lines.add("# The managers share these users: this file is this manager's copy of them, written at");
            lines.add("# every change. Edit them through the API or the console, not here.");
            lines.add(SHARED_VERSION_LINE + sharedVersion);
        } else {
            lines.add("# Delete this file to start over with a new admin password.");
        }
        lines.addAll(copy().lines());
        AtomicFile.writePrivate(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private String rememberKey(String name, String password, String hash) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(memoryKey);
            digest.update((name + '\0' + password + '\0' + hash).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
