package io.carbide.management.internal.auth;

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
import org.osgi.service.component.annotations.Reference;
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
 * sets admin's password again the same way at a start, for an operator who lost it. Each manager
 * keeps its own users; copy the file to give several managers the same ones.
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

    @Activate
    public Users(@Reference NodeIdentity node) throws IOException {
        new SecureRandom().nextBytes(memoryKey);
        this.file = node.base().resolve("conf").resolve(FILE_NAME);
        this.generatedPassword = file.resolveSibling(GENERATED_PASSWORD_FILE);
        String fromEnvironment = System.getenv(ADMIN_PASSWORD_ENV);
        if (!Files.exists(file)) {
            loaded = setAdmin(fromEnvironment, "Created");
        } else {
            boolean anyLine = load();
            if (!anyLine) {
                // an emptied file (a copy gone wrong, an old crash) must not lock every operator out; a file
                // whose lines cannot be read is left for the operator (each line was named above)
                LOG.warn("{} holds no user at all; management user admin is created again", file);
                loaded = setAdmin(fromEnvironment, "Created");
            } else if (Boolean.getBoolean(RESET_PROPERTY)) {
                LOG.warn("The password of management user admin is reset at this start (-D{}=true); remove that option "
                        + "so that the next start keeps the password", RESET_PROPERTY);
                loaded = setAdmin(fromEnvironment, "Reset");
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
                LOG.warn("Line {} of {} is not 'name = {}:...'; that user cannot log in. Set the password again with "
                        + "PUT /api/users/NAME", i + 1, file, PasswordHash.SCHEME);
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
                    LOG.warn("Line {} of {}: {}; user {} cannot log in until the line is fixed", i + 1, file,
                            e.getMessage(), name);
                    continue;
                }
            }
            hashes.put(name, hash);
            roles.put(name, role);
        }
        LOG.info("Management users: {} in {}", hashes.size(), file);
        return lines.stream().map(String::strip).anyMatch(line -> !line.isEmpty() && !line.startsWith("#"));
    }

    /**
     * Gives admin a password: the one from the environment, or a generated one that is printed on
     * the console and kept in an owner-only file until it is first changed (a node started in the
     * background prints it where the next start would overwrite it).
     */
    private CompletableFuture<Void> setAdmin(String fromEnvironment, String what) {
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
        set(name, password, null);
    }

    /**
     * Creates the user or changes it: its password (null keeps it; a new user needs one) and its
     * role (null keeps it; a new user without one is a viewer, the least it can be).
     *
     * @throws IllegalStateException when the change would leave no admin: nobody could manage users again
     */
    public void set(String name, String password, UserRole role) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a user name is 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        if (password != null && password.length() < MIN_PASSWORD_LENGTH) {
            throw new IllegalArgumentException("a password has at least " + MIN_PASSWORD_LENGTH + " characters");
        }
        awaitLoaded();
        String hash = password == null ? null : PasswordHash.hash(password.toCharArray());
        synchronized (this) {
            if (hash == null && !hashes.containsKey(name)) {
                throw new IllegalArgumentException("a new user needs a password of at least " + MIN_PASSWORD_LENGTH
                        + " characters");
            }
            UserRole now = roles.getOrDefault(name, hashes.containsKey(name) ? UserRole.ADMIN : UserRole.VIEWER);
            UserRole next = role == null ? now : role;
            if (hashes.containsKey(name) && now == UserRole.ADMIN && next != UserRole.ADMIN && admins() == 1) {
                throw new IllegalStateException("user " + name + " is the last admin; make another user an admin first");
            }
            String oldHash = hashes.get(name);
            UserRole oldRole = roles.get(name);
            if (hash != null) {
                hashes.put(name, hash);
            }
            roles.put(name, next);
            try {
                save();
            } catch (IOException e) { // what is not on disk is not in effect either
                restore(name, oldHash, oldRole);
                throw e;
            }
        }
        recentlyChecked.clear();
        LOG.info("Management user {} set{}{}", name, password == null ? "" : " (password)",
                role == null ? "" : " (role " + role.label() + ")");
        if (name.equals(ADMIN) && password != null) {
            forgetGeneratedPassword();
        }
    }

    private long admins() {
        return hashes.keySet().stream().filter(n -> roles.getOrDefault(n, UserRole.ADMIN) == UserRole.ADMIN).count();
    }

    private void restore(String name, String hash, UserRole role) {
        if (hash == null) {
            hashes.remove(name);
        } else {
            hashes.put(name, hash);
        }
        if (role == null) {
            roles.remove(name);
        } else {
            roles.put(name, role);
        }
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
            Map<String, UserRole> all = new TreeMap<>();
            hashes.keySet().forEach(name -> all.put(name, roles.getOrDefault(name, UserRole.ADMIN)));
            return all;
        }
    }

    /**
     * Removes a user.
     *
     * @return false when there is no such user
     * @throws IllegalStateException when it is the last one: nobody could log in again
     */
    public boolean remove(String name) throws IOException {
        awaitLoaded();
        synchronized (this) {
            if (!hashes.containsKey(name)) {
                return false;
            }
            if (hashes.size() == 1) {
                throw new IllegalStateException("user " + name + " is the last one; create another user first");
            }
            if (roles.getOrDefault(name, UserRole.ADMIN) == UserRole.ADMIN && admins() == 1) {
                throw new IllegalStateException("user " + name + " is the last admin; make another user an admin first");
            }
            hashes.remove(name);
            roles.remove(name);
            save();
        }
        recentlyChecked.clear();
        LOG.info("Management user {} removed", name);
        if (name.equals(ADMIN)) {
            forgetGeneratedPassword();
        }
        return true;
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

    /** Owner-only, never half-written, and on disk before the change is acknowledged ({@link AtomicFile}). */
    private void save() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# Carbide management users: name = " + PasswordHash.SCHEME + ":ITERATIONS:SALT:HASH [role=ROLE]");
        lines.add("# ROLE is viewer, deployer or admin; a line without one is an admin. Passwords are never");
        lines.add("# stored. Set one with PUT /api/users/NAME on the management port, or in the console.");
        lines.add("# Delete this file to start over with a new admin password.");
        hashes.forEach((name, hash) -> {
            UserRole role = roles.getOrDefault(name, UserRole.ADMIN);
            lines.add(name + " = " + hash + (role == UserRole.ADMIN ? "" : " role=" + role.label()));
        });
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
