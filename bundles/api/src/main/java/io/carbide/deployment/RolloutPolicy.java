package io.carbide.deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a change is rolled out in waves: a canary of {@code canary} workers first, then the rest in
 * steps that each bring the share of workers holding the change up to the next percentage, e.g.
 * {@code canary 1, waves 50%,100%} on 8 workers gives waves of 1, 3 and 4 workers.
 *
 * @param settleSeconds how long each wave must be applied and healthy before the next one
 * @param maxErrorRate the share of a wave's requests that may fail with 5xx before the rollout halts
 */
public record RolloutPolicy(int canary, List<Integer> wavePercents, int settleSeconds, double maxErrorRate) {

    public static final int DEFAULT_SETTLE_SECONDS = 10;
    public static final double DEFAULT_MAX_ERROR_RATE = 0.05;

    public RolloutPolicy {
        if (canary < 0) {
            throw new IllegalArgumentException("the canary is a number of workers, 0 or more");
        }
        if (wavePercents.isEmpty()) {
            throw new IllegalArgumentException("give at least one wave, e.g. 100%");
        }
        int previous = 0;
        for (int percent : wavePercents) {
            if (percent <= previous || percent > 100) {
                throw new IllegalArgumentException("waves are rising percentages of the workers, up to 100%, e.g. 25%,50%,100%");
            }
            previous = percent;
        }
        if (previous != 100) {
            throw new IllegalArgumentException("the last wave must reach 100% of the workers");
        }
        if (settleSeconds < 0 || settleSeconds > 3600) {
            throw new IllegalArgumentException("the settle time is 0 to 3600 seconds");
        }
        if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) {
            throw new IllegalArgumentException("the error threshold is a share of requests from 0 to 1, e.g. 0.05");
        }
        wavePercents = List.copyOf(wavePercents);
    }

    /**
     * Reads a policy as people write it: {@code canary} a whole number, {@code waves} like
     * {@code 50%,100%} (the % is optional), {@code settle} in seconds, {@code maxErrorRate} a share.
     * A blank value takes the default; blank waves mean one wave of all after the canary.
     *
     * @throws IllegalArgumentException with a message naming what is wrong and how to write it
     */
    public static RolloutPolicy parse(String canary, String waves, String settle, String maxErrorRate) {
        int canaryCount = blank(canary) ? 1 : whole("canary", canary);
        List<Integer> percents = new ArrayList<>();
        if (blank(waves)) {
            percents.add(100);
        } else {
            for (String part : waves.split(",")) {
                String value = part.strip().toLowerCase(Locale.ROOT);
                percents.add(whole("waves", value.endsWith("%") ? value.substring(0, value.length() - 1) : value));
            }
        }
        int settleSeconds = blank(settle) ? DEFAULT_SETTLE_SECONDS : whole("settle", settle);
        double rate;
        try {
            rate = blank(maxErrorRate) ? DEFAULT_MAX_ERROR_RATE : Double.parseDouble(maxErrorRate.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("maxErrorRate '" + maxErrorRate + "' is not a share such as 0.05");
        }
        return new RolloutPolicy(canaryCount, percents, settleSeconds, rate);
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static int whole(String what, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + value.strip() + "' is not a whole number");
        }
    }

    /**
     * The waves for these workers (sorted by name, so a rerun picks the same canary): the canary,
     * then each percentage's share rounded up; waves that would be empty are left out.
     */
    public List<List<String>> plan(List<String> workers) {
        List<String> sorted = workers.stream().sorted().distinct().toList();
        List<List<String>> waves = new ArrayList<>();
        int covered = Math.min(canary, sorted.size());
        if (covered > 0) {
            waves.add(sorted.subList(0, covered));
        }
        for (int percent : wavePercents) {
            int upTo = Math.min(sorted.size(), (int) Math.ceil(sorted.size() * percent / 100.0));
            if (upTo > covered) {
                waves.add(sorted.subList(covered, upTo));
                covered = upTo;
            }
        }
        return waves.stream().map(List::copyOf).toList();
    }

    /** As people write it, e.g. {@code canary 1, waves 50%,100%, settle 10 s, max 5% errors}. */
    public String describe() {
        return "canary " + canary + ", waves " + String.join(",", wavePercents.stream().map(p -> p + "%").toList())
                + ", settle " + settleSeconds + " s, max " + Math.round(maxErrorRate * 1000) / 10.0 + "% errors";
    }
}
