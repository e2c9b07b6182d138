package io.carbide.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * How a command prints: a table or a few readable lines, or with {@code --json} the API's own
 * JSON, for scripts.
 */
final class Output {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @Option(names = "--json", description = "Print the management API's JSON instead of a table.")
    boolean json;

    PrintStream out = System.out;

    void json(JsonElement body) {
        out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(body));
    }

    /** With {@code --json}: prints the API's answer as it came, and says so; the command then prints nothing else. */
    boolean printedJson(ManagementApi.Answer answer) {
        if (json) {
            json(answer.body());
        }
        return json;
    }

    void line(String text) {
        out.println(text);
    }

    /** Columns as wide as their widest cell; the header in capitals. */
    void table(List<String> header, List<List<String>> rows) {
        List<Integer> widths = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            int width = header.get(i).length();
            for (List<String> row : rows) {
                width = Math.max(width, row.get(i).length());
            }
            widths.add(width);
        }
        printRow(header, widths);
        rows.forEach(row -> printRow(row, widths));
    }

    private void printRow(List<String> cells, List<Integer> widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            line.append(i == cells.size() - 1 ? cell : cell + " ".repeat(widths.get(i) - cell.length() + 2));
        }
        out.println(line.toString().stripTrailing());
    }

    static String time(long epochMillis) {
        return epochMillis <= 0 ? "-" : LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneId.systemDefault())
                .format(TIME);
    }

    static String size(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        return bytes < 1024 * 1024 ? String.format("%.1f KB", bytes / 1024.0)
                : String.format("%.1f MB", bytes / 1024.0 / 1024.0);
    }
}
