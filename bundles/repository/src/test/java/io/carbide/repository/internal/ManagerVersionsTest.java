package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** New consensus commands wait for every manager to run this version or a later one. */
class ManagerVersionsTest {

    @Test
    void versionsCompareAsDottedNumbers() {
        assertTrue(CommandProposer.atLeast("0.1.0", "0.1.0"));
        assertTrue(CommandProposer.atLeast("0.10.0", "0.9.2"));
        assertTrue(CommandProposer.atLeast("1.0", "0.9.9"));
        assertFalse(CommandProposer.atLeast("0.1.0", "0.2.0"));
        assertFalse(CommandProposer.atLeast("0.9", "0.9.1"));
        assertTrue(CommandProposer.atLeast("0.2.0-SNAPSHOT", "0.2.0"));
    }
}
