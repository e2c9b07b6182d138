package io.carbide.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.carbide.deployment.ArtifactType;
import io.carbide.deployment.InvalidArtifactException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactValidatorTest {

    @TempDir
    Path dir;

    private Path jar(String name, String symbolicName, String version) throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (symbolicName != null) {
            manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        }
        if (version != null) {
            manifest.getMainAttributes().putValue("Bundle-Version", version);
        }
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.putNextEntry(new ZipEntry("a.txt"));
            jar.write(new byte[] {1});
        }
        return file;
    }

    private Path zip(String name, String entry) throws Exception {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(new byte[] {1});
        }
        return file;
    }

    private static String refusal(String name, Path file) {
        return assertThrows(InvalidArtifactException.class, () -> ArtifactValidator.validate(name, file)).getMessage();
    }

    @Test
    void goodArtifactsPass() throws Exception {
        assertEquals(ArtifactType.BUNDLE, ArtifactValidator.validate("a.jar", jar("a.jar", "org.example.a", "1.0.0")));
        assertEquals(ArtifactType.WEBAPP, ArtifactValidator.validate("site.zip", zip("site.zip", "css/site.css")));
        Path cfg = Files.writeString(dir.resolve("x.cfg"), "# comment\nkey = value\nother: v\nlong = a \\\n  b\n");
        assertEquals(ArtifactType.CONFIGURATION, ArtifactValidator.validate("x.cfg", cfg));
        Path config = Files.writeString(dir.resolve("y.config"), "key=\"value\"\nnumbers=I[\"1\",\"2\"]\n");
        assertEquals(ArtifactType.CONFIGURATION, ArtifactValidator.validate("y.config", config));
    }

    @Test
    void eachRefusalNamesTheFileAndWhatToDo() throws Exception {
        assertTrue(refusal("lib.jar", jar("lib.jar", null, "1.0")).startsWith("lib.jar is a jar but not an OSGi bundle"));
        assertTrue(refusal("nov.jar", jar("nov.jar", "x", null)).contains("no Bundle-Version"));
        assertTrue(refusal("badv.jar", jar("badv.jar", "x", "one")).contains("invalid Bundle-Version"));
        assertTrue(refusal("evil.zip", zip("evil.zip", "../x")).contains("outside its folder"));
        assertTrue(refusal("abs.zip", zip("abs.zip", "/etc/x")).contains("outside its folder"));
        Path cut = dir.resolve("cut.jar");
        byte[] whole = Files.readAllBytes(jar("whole.jar", "x", "1"));
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertTrue(refusal("cut.jar", cut).contains("not a readable jar"));
        Path cfg = Files.writeString(dir.resolve("b.cfg"), "key = value\nnot a pair\n");
        assertTrue(refusal("b.cfg", cfg).contains("line 2 of b.cfg is not 'key = value'"));
        Path config = Files.writeString(dir.resolve("c.config"), "key=[unclosed\n");
        assertTrue(refusal("c.config", config).startsWith("c.config does not parse"));
        assertTrue(refusal("notes.txt", cfg).contains("unknown artifact type"));
        assertTrue(refusal("has space.jar", cfg).contains("letters, digits"));
        Path quote = Files.writeString(dir.resolve("q.config"), "key = [\"unclosed\n"); // Felix's reader takes it
        assertTrue(refusal("q.config", quote).contains("never closed"), refusal("q.config", quote));
    }

    @Test
    void aZipHoldingASymbolicLinkIsRefused() throws Exception {
        Path zip = zip("linked.zip", "etc-passwd");
        byte[] bytes = Files.readAllBytes(zip);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 <= bytes.length; i++) {
            if (buffer.getInt(i) == 0x02014b50) { // the entry's central directory record, as zip -y writes a link
                buffer.put(i + 5, (byte) 3);
                buffer.putInt(i + 38, 0120777 << 16);
            }
        }
        Files.write(zip, bytes);
        String refusal = refusal("linked.zip", zip);
        assertTrue(refusal.startsWith("linked.zip holds a symbolic link ('etc-passwd')"), refusal);
    }

    /** A drop deleted while it was taken up is gone, not broken: nothing is refused, nothing logged as broken. */
    @Test
    void aFileThatIsGoneIsNotBroken() throws Exception {
        for (String name : new String[] {"gone.jar", "gone.zip", "gone.cfg", "gone.config"}) {
            assertThrows(java.nio.file.NoSuchFileException.class, () -> ArtifactValidator.validate(name, dir.resolve(name)));
        }
        Path link = Files.createSymbolicLink(dir.resolve("dangling.zip"), dir.resolve("nowhere.zip"));
        assertTrue(refusal("dangling.zip", link).startsWith("dangling.zip is not a readable zip archive"));
    }
}
