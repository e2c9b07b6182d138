package io.carbide.management.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.felix.cm.file.ConfigurationHandler;

/**
 * Configuration artifacts as the deployment agent reads them: {@code .cfg} is Java properties
 * (ISO-8859-1, {@code key = value}), {@code .config} is Felix's typed format. The console writes
 * {@code .cfg} only: one {@code key = value} line per key, sorted, so the same properties always
 * give the same bytes (and so no new revision).
 */
final class CfgFile {

    private CfgFile() {
    }

    /** The text of a {@code .cfg} holding {@code properties}. */
    static String format(String pid, Map<String, String> properties) {
        StringBuilder text = new StringBuilder("# Configuration ").append(pid)
                .append(", written by the Carbide management API\n");
        new TreeMap<>(properties).forEach((key, value) -> text.append(escape(key, true)).append(" = ")
                .append(escape(value, false)).append('\n'));
        return text.toString();
    }

    static Map<String, Object> read(String artifactName, Path content) throws IOException {
        Map<String, Object> properties = new TreeMap<>();
        if (artifactName.endsWith(".config")) {
            try (InputStream in = Files.newInputStream(content)) {
                @SuppressWarnings("unchecked")
                Dictionary<String, Object> dictionary = ConfigurationHandler.read(in);
                for (Enumeration<String> keys = dictionary.keys(); keys.hasMoreElements();) {
                    String key = keys.nextElement();
                    properties.put(key, dictionary.get(key));
                }
            }
            return properties;
        }
        Properties loaded = new Properties();
        try (Reader in = Files.newBufferedReader(content, StandardCharsets.ISO_8859_1)) {
            loaded.load(in);
        }
        loaded.stringPropertyNames().forEach(key -> properties.put(key, loaded.getProperty(key).strip()));
        return properties;
    }

    /** Java properties escaping, with anything beyond ISO-8859-1's printable ASCII as backslash-u. */
    private static String escape(String text, boolean key) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\f' -> out.append("\\f");
                case '=', ':', '#', '!' -> out.append(key || i == 0 ? "\\" + c : String.valueOf(c));
                case ' ' -> out.append(key || i == 0 ? "\\ " : " ");
                default -> {
                    if (c < 0x20 || c > 0x7E) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
