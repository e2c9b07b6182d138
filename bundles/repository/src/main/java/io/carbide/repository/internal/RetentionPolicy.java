package io.carbide.repository.internal;

import java.time.Duration;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much of the repository's past is kept, so a rollback can reach it: the last
 * {@value #REVISIONS} revisions (default 100) and every revision of the last {@value #DAYS} days
 * (default 7), whichever reaches further back. Older history that later changes replaced is
 * dropped, and content nothing kept refers to is deleted. The current state of every artifact is
 * always kept, whatever its age. A bad value is one log line naming the property; the default is
 * used instead.
 */
record RetentionPolicy(long keepRevisions, Duration keepFor) {

    static final String REVISIONS = "carbide.retention.revisions";
    static final String DAYS = "carbide.retention.days";
    private static final Logger LOG = LoggerFactory.getLogger(RetentionPolicy.class);

    static RetentionPolicy from(Function<String, String> property) {
        return new RetentionPolicy(number(property, REVISIONS, 100, 1), Duration.ofDays(number(property, DAYS, 7, 0)));
    }

    /** The revision history may be kept from, for a repository at {@code now}. */
    long pointFor(RevisionStateMachine machine, long now) {
        return machine.retentionPoint(keepRevisions, now - keepFor.toMillis());
    }

    private static long number(Function<String, String> property, String name, long fallback, long least) {
        String value = property.apply(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long number = Long.parseLong(value.strip());
            if (number >= least) {
                return number;
            }
        } catch (NumberFormatException e) {
            // below
        }
        LOG.error("{} = '{}' is not a whole number of at least {}; keeping the default, {}", name, value, least,
                fallback);
        return fallback;
    }

    @Override
    public String toString() {
        return "the last " + keepRevisions + " revisions and " + keepFor.toDays() + " days";
    }
}
