package io.carbide.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Marker;

/**
 * Keeps garbage on the cluster ports from flooding the log. JGroups logs each connection that does
 * not speak its protocol with a warning, often with a stack trace: a thousand such connections
 * wrote half a megabyte, enough to rotate the real history (failed log-ins, deploys) out. This
 * filter, set in {@code conf/logback.xml}, lets through one line per source per interval, with no
 * stack trace and the count of what it left out, under the logger {@value #LOGGER}.
 *
 * <p>It lives on the launcher's class path, as logging does, and recognises JGroups' lines by what
 * they say about a peer (a cookie that does not match, a connection that failed on accept, a
 * message that could not be read), not by their exact text, which changes between versions.
 */
public class BadTrafficFilter extends TurboFilter {

    static final String LOGGER = "io.carbide.badtraffic";
    private static final int MAX_SOURCES = 256;
    /** What the connection servers say of a peer that does not speak JGroups. */
    private static final List<String> SIGNS = List.of("cookie", "failed accepting connection",
            "failed handling message", "failed handling incoming message", "different version", "invalid length");
    private static final Pattern TRANSPORTS = Pattern.compile(
            "org\\.jgroups\\.protocols\\.(TCP|TCP_NIO2|UDP|TP|BasicTCP)|io\\.carbide\\.cluster\\.internal\\.GuardedTcp");
    /** Failure detection's own connections (the cluster port + 100), which it reads itself. */
    private static final Pattern FAILURE_DETECTION = Pattern.compile(
            "org\\.jgroups\\.protocols\\.FD_SOCK2?|io\\.carbide\\.cluster\\.internal\\.GuardedFdSock2");
    private static final Pattern PEER = Pattern.compile(
            "(?:addr=/|sent by /|from /|from peer /|peer /)(\\d{1,3}(?:\\.\\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]+)");

    /** JGroups names a connection's receiving thread after both ends: "[127.0.0.1:4071 - 10.0.0.7:45588]". */
    private static final Pattern RECEIVER = Pattern.compile("\\[[^\\] ]+ - ([^\\] ]+):\\d+\\]");

    private long intervalMillis = 60_000;
    private final Map<String, long[]> bySource = new LinkedHashMap<>(); // source -> {last let through, left out}

    /** From {@code <intervalSeconds>} in logback.xml. */
    public void setIntervalSeconds(long seconds) {
        this.intervalMillis = Math.max(1, seconds) * 1000;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (logger == null || level == null || format == null || !level.isGreaterOrEqual(Level.WARN)
                || !isGarbage(logger.getName(), format, t, Thread.currentThread().getName())) {
            return FilterReply.NEUTRAL;
        }
        String said = t == null || t.getMessage() == null ? format : format + ": " + t.getMessage();
        String source = source(said, Thread.currentThread().getName());
        long leftOut = admit(source, System.currentTimeMillis());
        if (leftOut >= 0) {
            logger.getLoggerContext().getLogger(LOGGER).warn("Refused traffic on a cluster port from {}: {}{}", source,
                    summary(said), leftOut == 0 ? "" : " (and " + leftOut + " more like it from " + source
                            + " in the last " + intervalMillis / 1000 + " s)");
        }
        return FilterReply.DENY;
    }

    /**
     * Only what the transport says before any protocol has read a message: the connection servers
     * (a cookie that does not match, a connection that failed), and the transport's own codes for
     * a connection or packet it could not read. Whatever a protocol above says about a message that
     * authenticated is a real problem, and is logged as it comes.
     */
    static boolean isGarbage(String logger, String format, Throwable t, String thread) {
        String said = (t == null || t.getMessage() == null ? format : format + ": " + t.getMessage())
                .toLowerCase(Locale.ROOT);
        if (logger.startsWith("org.jgroups.blocks.cs.")) {
            return SIGNS.stream().anyMatch(said::contains);
        }
        boolean connectionThread = thread.startsWith("Connection.Receiver") || thread.startsWith("TcpServer")
                || thread.startsWith("NioServer");
        if (FAILURE_DETECTION.matcher(logger).matches()) {
            // a frame on a failure-detection connection it could not read: an ERROR with a stack trace
            // each, so 1000 frames of 5 bytes after a valid preamble wrote 950 KB of log
            return format.startsWith("failed handling message") && connectionThread;
        }
        if (!TRANSPORTS.matcher(logger).matches()) {
            return false;
        }
        // "failed handling message": a frame the transport refused before any protocol read it (too
        // long, or claiming more than it holds; GuardedTcp)
        return format.startsWith("JGRP000006") || format.startsWith("JGRP000010") || format.startsWith("JGRP000191")
                || (format.startsWith("JGRP000030") || format.startsWith("failed handling message")) && connectionThread;
    }

    /** Where it came from: named in the line, or in the name of the thread reading that connection. */
    static String source(String said, String thread) {
        Matcher peer = PEER.matcher(said);
        if (peer.find()) {
            return peer.group(1);
        }
        Matcher receiver = RECEIVER.matcher(thread);
        return receiver.find() ? receiver.group(1) : "an unknown source";
    }

    /** The count left out since the last line for this source, or -1 when this one is left out too. */
    long admit(String source, long now) {
        synchronized (bySource) {
            bySource.values().removeIf(seen -> seen[1] == 0 && now - seen[0] > intervalMillis);
            String key = bySource.containsKey(source) || bySource.size() < MAX_SOURCES ? source : "other sources";
            long[] seen = bySource.computeIfAbsent(key, k -> new long[] {Long.MIN_VALUE / 2, 0});
            if (now - seen[0] < intervalMillis) {
                seen[1]++;
                return -1;
            }
            long leftOut = seen[1];
            seen[0] = now;
            seen[1] = 0;
            return leftOut;
        }
    }

    /** The gist in one short line: no stack trace, no socket dump. */
    static String summary(String said) {
        String line = said.replaceAll("JGRP\\d+: ", "").replaceAll("Socket\\[[^]]*\\]", "")
                .replaceAll("java\\.[a-z.]+\\.[A-Za-z]+Exception: ", "").replaceAll("\\s+", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    /** For tests: whether the map of sources stays bounded. */
    int sources() {
        synchronized (bySource) {
            return bySource.size();
        }
    }
}
