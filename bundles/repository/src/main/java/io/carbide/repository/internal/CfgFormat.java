package io.carbide.repository.internal;

import java.io.IOException;

/**
 * Checks a {@code .cfg} file the way a person reads it: every line that is not blank or a comment
 * holds {@code key = value} (or {@code key: value}). Java's Properties would accept almost any text
 * as keys without values, so a broken file would deploy as a nonsense configuration.
 */
final class CfgFormat {

    private CfgFormat() {
    }

    static void check(String name, String text) throws IOException {
        String[] lines = text.split("\r?\n", -1);
        boolean continuation = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            boolean continues = endsWithOddBackslashes(line);
            if (!continuation && !line.isEmpty() && !line.startsWith("#") && !line.startsWith("!")) {
                int separator = firstUnescaped(line);
                if (separator <= 0) {
                    throw new IOException("line " + (i + 1) + " of " + name + " is not 'key = value': '"
                            + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + "'");
                }
            }
            continuation = continues;
        }
    }

    private static int firstUnescaped(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '=' || c == ':') {
                return i;
            }
        }
        return -1;
    }

    private static boolean endsWithOddBackslashes(String line) {
        int count = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            count++;
        }
        return count % 2 == 1;
    }
}
