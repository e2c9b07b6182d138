package io.carbide.deployment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a node found it actually runs, read from its disk and its framework: a digest over the
 * name and sha-256 of every artifact whose stored content, deployed files, bundle state and
 * configuration all match what the repository recorded, and a line for each that does not. A
 * manager computes the same digest from the repository ({@link #of}) and calls the node in sync
 * only when the two are equal.
 *
 * @param digest   hex sha-256 over {@code name SP sha256 LF} of the matching artifacts, by name;
 *                 empty for a node too old to report one
 * @param diverged one line per artifact that does not match, e.g. {@code site.zip: its deployed
 *                 files were changed on disk}
 */
public record RunningDigest(String digest, List<String> diverged) {

    /** No digest reported (a node of an earlier version). */
    public static final RunningDigest NONE = new RunningDigest("", List.of());

    /** The digest of running exactly these artifacts (name to sha-256). */
    public static String of(Map<String, String> artifacts) {
        StringBuilder lines = new StringBuilder(100 * artifacts.size());
        SortedMap<String, String> byName = artifacts instanceof SortedMap<String, String> sorted && sorted.comparator() == null
                ? sorted : new TreeMap<>(artifacts);
        byName.forEach((name, sha256) -> lines.append(name).append(' ').append(sha256).append('\n'));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(lines.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The digest of running what {@code artifacts} holds (tombstones left out). */
    public static String expected(List<Artifact> artifacts) {
        Map<String, String> present = new TreeMap<>();
        artifacts.stream().filter(a -> !a.deleted()).forEach(a -> present.put(a.name(), a.sha256()));
        return of(present);
    }
}
