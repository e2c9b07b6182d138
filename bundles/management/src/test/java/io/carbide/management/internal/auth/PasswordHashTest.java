package io.carbide.management.internal.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHashTest {

    @Test
    void theRightPasswordMatchesAndNothingElseDoes() {
        String stored = PasswordHash.hash("correct horse".toCharArray());
        assertTrue(stored.startsWith("pbkdf2-sha512:210000:"), stored);
        assertFalse(stored.contains("correct horse"));
        assertTrue(PasswordHash.matches("correct horse".toCharArray(), stored));
        assertFalse(PasswordHash.matches("correct hors".toCharArray(), stored));
        assertFalse(PasswordHash.matches("".toCharArray(), stored));
    }

    @Test
    void theSamePasswordHashesDifferentlyEachTimeBecauseOfItsSalt() {
        assertNotEquals(PasswordHash.hash("same".toCharArray()), PasswordHash.hash("same".toCharArray()));
    }

    @Test
    void aMalformedStoredHashNeverMatches() {
        for (String broken : new String[] {"", "plain-text", "pbkdf2-sha512:x:y:z", "md5:1:AA:BB", "pbkdf2-sha512:1:!!:??"}) {
            assertFalse(PasswordHash.matches("anything".toCharArray(), broken), broken);
        }
    }

    @Test
    void generatedPasswordsAvoidLookAlikeCharacters() {
        String password = PasswordHash.generate(200);
        assertFalse(password.matches(".*[0O1lI].*"), password);
    }
}
