package io.carbide.management.internal.directory;

import io.carbide.management.internal.auth.UserRole;
import io.carbide.node.NodeIdentity;
import io.carbide.node.NodeStatusContributor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Hashtable;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.AuthenticationException;
import javax.naming.CommunicationException;
import javax.naming.Context;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.DirContext;
import javax.naming.directory.SearchControls;
import javax.naming.directory.SearchResult;
import javax.naming.ldap.InitialLdapContext;
import javax.naming.ldap.LdapContext;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.naming.ldap.StartTlsRequest;
import javax.naming.ldap.StartTlsResponse;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Management users from an LDAP directory, beside the local users file ({@link DirectorySettings}):
 * a name that is no local user is looked up in the directory, bound as with the password given,
 * and gets the highest role its groups map to. The local users stay the break-glass way in when the
 * directory is down. Uses the JDK's own LDAP client (JNDI).
 *
 * <p>What a caller types never becomes part of a filter or a DN unescaped (RFC 4515, RFC 4514);
 * an empty password is refused before any bind, since the directory would take it as an
 * anonymous bind and answer success (RFC 4513 5.1.2). A directory that does not answer, or whose
 * certificate is not trusted, is a clear refusal that names it, never a wait without end.
 */
@Component(service = {LdapDirectory.class, NodeStatusContributor.class},
        property = NodeStatusContributor.SECTION_PROPERTY + "=directory")
public class LdapDirectory implements NodeStatusContributor {

    private static final Logger LOG = LoggerFactory.getLogger(LdapDirectory.class);
    /** A log-in checked against the directory a moment ago is not checked again until then (scripts send Basic every call). */
    private static final long REMEMBER_MILLIS = 2 * 60_000;

    /**
     * What the directory said of a log-in: a user with a role, a refusal (wrong name or password
     * alike, to the caller), or no answer.
     *
     * @param revokes the directory says the user has no access at all (no such user, or in no mapped
     *     group): their sessions end now. A wrong password says nothing of that; were it to end them,
     *     anyone could log a directory user out by trying their name.
     */
    public record Verdict(Optional<UserRole> role, String unavailable, boolean revokes) {
        static final Verdict REFUSED = new Verdict(Optional.empty(), null);
        static final Verdict NO_ACCESS = new Verdict(Optional.empty(), null, true);

        Verdict(Optional<UserRole> role, String unavailable) {
            this(role, unavailable, false);
        }

        public boolean refused() {
            return role.isEmpty() && unavailable == null;
        }
    }

    private final Optional<DirectorySettings> settings;
    /** Why the settings cannot be used, or null: log-ins through the directory then fail with it. */
    private final String misconfigured;
    private final SSLSocketFactory sockets;
    private final String bindPassword;
    private final byte[] memoryKey = new byte[32];
    private final Map<String, Remembered> recent = new ConcurrentHashMap<>();
    /**
     * The role each directory user had when the directory last let them in: their session goes on
     * with it for {@code sessionMinutes}, then they log in again, so a user removed from a group or
     * from the directory loses their access within that time.
     */
    private final Map<String, Remembered> roles = new ConcurrentHashMap<>();
    /** Log-ins waiting on the directory at once: a directory that hangs must not take every request thread. */
    private final java.util.concurrent.Semaphore asking = new java.util.concurrent.Semaphore(8, true);
    /** One directory check per name at a time, so guesses sent together cannot all pass before one fails. */
    private final Map<String, java.util.concurrent.locks.ReentrantLock> byName = new ConcurrentHashMap<>();

    private record Remembered(UserRole role, long at) {
    }

    /** What the directory last answered, for the node's status: when it let someone in, or why it could not be asked. */
    private volatile long lastAnsweredAt;
    private volatile String lastProblem = "";
    private volatile long lastProblemAt;

    @Activate
    public LdapDirectory(@Reference NodeIdentity node, BundleContext context) {
        new SecureRandom().nextBytes(memoryKey);
        Optional<DirectorySettings> read = Optional.empty();
        String problem = null;
        SSLSocketFactory tls = null;
        String password = "";
        try {
            read = DirectorySettings.from(context::getProperty, node.base());
            if (read.isPresent()) {
                tls = read.get().tls() ? sockets(read.get()) : null;
                password = read.get().bindPasswordFile().isPresent()
                        ? Files.readString(read.get().bindPasswordFile().get(), StandardCharsets.UTF_8).strip() : "";
                if (!read.get().bindDn().isEmpty() && password.isEmpty()) {
                    throw new DirectorySettings.Invalid(read.get().bindPasswordFile().get() + " is empty: a bind as "
                            + read.get().bindDn() + " without a password would be an anonymous one");
                }
            }
        } catch (DirectorySettings.Invalid e) {
            problem = e.getMessage();
        } catch (IOException | GeneralSecurityException e) {
            problem = "cannot read " + e.getMessage() + " (" + DirectorySettings.PREFIX
                    + "trustedCertificates or bindPasswordFile)";
        }
        this.settings = problem == null ? read : Optional.empty();
        this.misconfigured = problem;
        this.sockets = tls;
        this.bindPassword = password;
        if (tls != null) {
            DirectorySocketFactory.use(tls);
        }
        if (problem != null) {
            LOG.error("The LDAP directory is not used: {}; directory users cannot log in until it is fixed (local "
                    + "users can)", problem);
        } else {
            read.ifPresent(s -> LOG.info("Management users not in the users file are looked up in the LDAP directory "
                    + "at {}{}", s.url(), s.startTls() ? " (StartTLS)" : ""));
        }
    }

    /** Whether log-ins may go to a directory (configured, even if wrongly: then they are refused with why). */
    public boolean enabled() {
        return settings.isPresent() || misconfigured != null;
    }

    @Override
    public String section() {
        return "directory";
    }

    /**
     * For {@code status.sh --json} and {@code bin/carbide status}: off, misconfigured (why), or
     * where the directory is and what it last did. A directory that cannot be asked changes nothing
     * for client traffic, so it never makes the node unready.
     */
    @Override
    public Object status() {
        Map<String, Object> status = new java.util.LinkedHashMap<>();
        if (misconfigured != null) {
            status.put("state", "misconfigured");
            status.put("problem", misconfigured);
            return status;
        }
        if (settings.isEmpty()) {
            status.put("state", "off");
            return status;
        }
        boolean failing = lastProblemAt > lastAnsweredAt;
        status.put("state", failing ? "unavailable" : "configured");
        status.put("url", settings.get().url());
        status.put("lastAnsweredAt", lastAnsweredAt);
        if (failing) {
            status.put("problem", lastProblem);
            status.put("problemAt", lastProblemAt);
        }
        return status;
    }

    /**
     * How long a checked log-in is taken again without asking the directory: at most half the
     * session it opens, so that a request let in by it still finds the user's role a moment later.
     * With {@code sessionMinutes=1}, a script sending HTTP Basic every few seconds was let in by a
     * check remembered for two minutes while its role had lapsed after one, and got 401 "no longer
     * exists" for the minute after.
     */
    static long rememberMillis(DirectorySettings directory) {
        return Math.min(REMEMBER_MILLIS, directory.sessionMinutes() * 60_000L / 2);
    }

    /** The role a directory user was let in with here, while it holds ({@code sessionMinutes}). */
    public Optional<UserRole> role(String user) {
        Remembered known = roles.get(user);
        if (known == null || settings.isEmpty()
                || System.currentTimeMillis() - known.at() > settings.get().sessionMinutes() * 60_000L) {
            return Optional.empty();
        }
        return Optional.of(known.role());
    }

    /** Checks a name and password against the directory. */
    public Verdict logIn(String user, String password) {
        if (misconfigured != null) {
            return new Verdict(Optional.empty(), "the LDAP directory is not configured correctly: " + misconfigured);
        }
        if (settings.isEmpty() || user == null || user.isEmpty() || user.length() > 256
                || user.chars().anyMatch(Character::isISOControl)) {
            return Verdict.REFUSED;
        }
        if (password == null || password.isEmpty()) {
            return Verdict.REFUSED; // never bound with: an empty password is an unauthenticated bind, which succeeds
        }
        String key = rememberKey(user, password);
        long now = System.currentTimeMillis();
        DirectorySettings directory = settings.get();
        Remembered seen = recent.get(key);
        if (seen != null && now - seen.at() < rememberMillis(directory) && role(user).isPresent()) {
            // taken again only while the user's role holds: one the directory has since refused is asked again
            return new Verdict(Optional.of(seen.role()), null);
        }
        try {
            if (!asking.tryAcquire(directory.timeoutMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return new Verdict(Optional.empty(), "the LDAP directory at " + directory.url() + " is slow to answer "
                        + "and log-ins wait for it; try again in a moment (local users can log in)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Verdict(Optional.empty(), "interrupted while waiting for the LDAP directory");
        }
        String sameName = user.strip().toLowerCase(Locale.ROOT);
        java.util.concurrent.locks.ReentrantLock one = byName.computeIfAbsent(sameName,
                n -> new java.util.concurrent.locks.ReentrantLock(true));
        one.lock();
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        // the JDK's LDAP client loads its classes and the socket factory through the context class loader
        thread.setContextClassLoader(LdapDirectory.class.getClassLoader());
        try {
            Verdict verdict = check(directory, user, password);
            if (verdict.unavailable() != null) {
                lastProblem = verdict.unavailable();
                lastProblemAt = System.currentTimeMillis();
            } else {
                lastAnsweredAt = System.currentTimeMillis();
            }
            verdict.role().ifPresentOrElse(role -> {
                recent.values().removeIf(r -> now - r.at() >= rememberMillis(directory));
                recent.put(key, new Remembered(role, now));
                roles.put(user, new Remembered(role, now));
            }, () -> {
                if (verdict.revokes()) {
                    roles.remove(user); // no access now: whatever let them in before holds no longer
                }
            });
            return verdict;
        } finally {
            thread.setContextClassLoader(before);
            if (!one.hasQueuedThreads()) {
                byName.remove(sameName, one);
            }
            one.unlock();
            asking.release();
        }
    }

    private Verdict check(DirectorySettings directory, String user, String password) {
        String dn;
        LdapContext service = null;
        try {
            if (!directory.userDnPattern().isEmpty()) {
                dn = directory.userDnPattern().replace("{0}", Rdn.escapeValue(user));
            } else {
                try {
                    service = open(directory, directory.bindDn(), bindPassword);
                } catch (AuthenticationException e) {
                    return unavailable(directory, "it refused the service account " + directory.bindDn()
                            + " (check " + DirectorySettings.PREFIX + "bindDn and bindPasswordFile)");
                }
                dn = findUser(service, directory, user);
                if (dn == null) {
                    LOG.info("Management log-in refused for {}: no such user in the directory", shown(user));
                    return Verdict.NO_ACCESS;
                }
            }
            LdapContext asUser;
            try {
                asUser = open(directory, dn, password);
            } catch (AuthenticationException e) {
                LOG.info("Management log-in refused for {}: the directory refused the password", shown(user));
                return Verdict.REFUSED;
            }
            try {
                Optional<UserRole> role = roleOf(service != null ? service : asUser, directory, dn, user);
                if (role.isEmpty()) {
                    LOG.warn("Management log-in refused for {}: in no directory group that {}roles maps to a role",
                            shown(user), DirectorySettings.PREFIX);
                    return Verdict.NO_ACCESS;
                }
                return new Verdict(role, null);
            } finally {
                close(asUser);
            }
        } catch (NamingException e) {
            return unavailable(directory, describe(e));
        } finally {
            close(service);
        }
    }

    private Verdict unavailable(DirectorySettings directory, String why) {
        String message = "the LDAP directory at " + directory.url() + " did not let anyone log in: " + why
                + "; local users (the break-glass admin) can still log in";
        LOG.warn("{}", message);
        return new Verdict(Optional.empty(), message);
    }

    /** A connection bound as {@code dn} (anonymous when empty), over TLS from the start or after StartTLS. */
    private LdapContext open(DirectorySettings directory, String dn, String password) throws NamingException {
        Hashtable<String, Object> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.ldap.LdapCtxFactory");
        env.put(Context.PROVIDER_URL, directory.url());
        env.put(Context.REFERRAL, "ignore");
        env.put("com.sun.jndi.ldap.connect.timeout", Integer.toString(directory.timeoutMillis()));
        env.put("com.sun.jndi.ldap.read.timeout", Integer.toString(directory.timeoutMillis()));
        env.put("com.sun.jndi.ldap.connect.pool", "false");
        if (directory.url().toLowerCase(Locale.ROOT).startsWith("ldaps://")) {
            env.put("java.naming.ldap.factory.socket", DirectorySocketFactory.class.getName());
        }
        if (!directory.startTls()) {
            putCredentials(env, dn, password);
            return new InitialLdapContext(env, null);
        }
        LdapContext context = new InitialLdapContext(env, null);
        try {
            StartTlsResponse tls = (StartTlsResponse) context.extendedOperation(new StartTlsRequest());
            tls.negotiate(sockets);
            if (!dn.isEmpty()) {
                context.addToEnvironment(Context.SECURITY_AUTHENTICATION, "simple");
                context.addToEnvironment(Context.SECURITY_PRINCIPAL, dn);
                context.addToEnvironment(Context.SECURITY_CREDENTIALS, password);
                context.getAttributes("", new String[] {"1.1"}); // binds now, on this protected connection
            }
            return context;
        } catch (IOException e) {
            close(context);
            CommunicationException failed = new CommunicationException("StartTLS failed: " + e.getMessage());
            failed.setRootCause(e);
            throw failed;
        } catch (NamingException | RuntimeException e) {
            close(context);
            throw e;
        }
    }

    private static void putCredentials(Hashtable<String, Object> env, String dn, String password) {
        if (dn.isEmpty()) {
            env.put(Context.SECURITY_AUTHENTICATION, "none");
        } else {
            env.put(Context.SECURITY_AUTHENTICATION, "simple");
            env.put(Context.SECURITY_PRINCIPAL, dn);
            env.put(Context.SECURITY_CREDENTIALS, password);
        }
    }

    /** The DN of the one entry the user filter finds for the name (passed as a filter argument: escaped), or null. */
    private static String findUser(DirContext context, DirectorySettings directory, String user) throws NamingException {
        SearchControls controls = new SearchControls();
        controls.setSearchScope(SearchControls.SUBTREE_SCOPE);
        controls.setCountLimit(2);
        controls.setReturningAttributes(new String[0]);
        controls.setTimeLimit(directory.timeoutMillis());
        // the name is a filter argument, never filter text: the client escapes it (RFC 4515)
        NamingEnumeration<SearchResult> found = context.search(directory.userSearchBase(), directory.userSearchFilter(),
                new Object[] {user},
                controls);
        String dn = null;
        int entries = 0;
        try {
            while (entries < 2 && found.hasMore()) {
                String name = found.next().getNameInNamespace();
                dn = entries++ == 0 ? name : dn;
            }
        } catch (javax.naming.SizeLimitExceededException e) {
            entries = 2;
        } catch (javax.naming.PartialResultException e) {
            // Active Directory's referrals, not followed, end the results of a search from the domain's root
        } finally {
            found.close();
        }
        if (entries > 1) {
            LOG.warn("Management log-in refused for {}: {} finds more than one entry under {}", shown(user),
                    directory.userSearchFilter(), directory.userSearchBase());
            return null;
        }
        return dn;
    }

    /** The highest role the user's groups map to. */
    private static Optional<UserRole> roleOf(DirContext context, DirectorySettings directory, String dn, String user)
            throws NamingException {
        SearchControls controls = new SearchControls();
        controls.setSearchScope(SearchControls.SUBTREE_SCOPE);
        controls.setReturningAttributes(new String[] {"cn"});
        controls.setTimeLimit(directory.timeoutMillis());
        controls.setCountLimit(1000);
        NamingEnumeration<SearchResult> groups = context.search(directory.groupSearchBase(),
                directory.groupSearchFilter(), new Object[] {dn, user}, controls);
        UserRole best = null;
        try {
            while (groups.hasMore()) {
                SearchResult group = groups.next();
                UserRole mapped = directory.roles().get(normalised(group.getNameInNamespace()));
                Attribute cn = group.getAttributes().get("cn");
                if (mapped == null && cn != null && cn.get() != null) {
                    mapped = directory.roles().get(cn.get().toString().toLowerCase(Locale.ROOT));
                }
                if (mapped != null && (best == null || mapped.includes(best))) {
                    best = mapped;
                }
            }
        } catch (javax.naming.SizeLimitExceededException e) {
            LOG.warn("User {} is in more than 1000 directory groups; the first 1000 were read", shown(user));
        } catch (javax.naming.PartialResultException e) {
            // referrals not followed (Active Directory): the groups read so far are all there are here
        } finally {
            groups.close();
        }
        return Optional.ofNullable(best);
    }

    /** A DN as the role table keys it: lower case, spaces around its separators dropped. */
    private static String normalised(String dn) {
        try {
            return new LdapName(dn).toString().toLowerCase(Locale.ROOT).replaceAll("\\s*([,=+])\\s*", "$1");
        } catch (javax.naming.InvalidNameException e) {
            return dn.toLowerCase(Locale.ROOT);
        }
    }

    private static String describe(NamingException e) {
        Throwable root = e.getRootCause() != null ? e.getRootCause() : e.getCause();
        for (Throwable cause = root; cause != null; cause = cause.getCause()) {
            if (cause instanceof javax.net.ssl.SSLHandshakeException
                    || cause instanceof java.security.cert.CertificateException) {
                return "its certificate is not trusted or does not name it (" + cause.getMessage() + "; check "
                        + DirectorySettings.PREFIX + "trustedCertificates)";
            }
        }
        if (e instanceof CommunicationException || e instanceof javax.naming.ServiceUnavailableException) {
            return "it did not answer (" + (root != null ? root.toString() : e.getMessage()) + ")";
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static void close(Context context) {
        if (context != null) {
            try {
                context.close();
            } catch (NamingException ignored) {
                // closing a connection that already failed
            }
        }
    }

    /** A name someone typed, safe to log. */
    private static String shown(String user) {
        return "'" + io.carbide.management.internal.auth.Authenticator.shortened(user) + "'";
    }

    /** TLS that trusts the PEM certificates configured (or the JVM's authorities when none are). */
    private static SSLSocketFactory sockets(DirectorySettings directory) throws IOException, GeneralSecurityException {
        if (directory.trustedCertificates().isEmpty()) {
            return (SSLSocketFactory) SSLSocketFactory.getDefault();
        }
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(directory.trustedCertificates().get())) {
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trusted.setCertificateEntry("directory-" + i++, certificate);
            }
            if (i == 0) {
                throw new IOException(directory.trustedCertificates().get() + " holds no PEM certificate");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(directory.trustedCertificates().get() + " (no such file)", e);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    private String rememberKey(String user, String password) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(memoryKey);
            digest.update((user + '\0' + password).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
