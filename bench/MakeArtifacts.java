import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Makes web application zips for the benchmarks, fast, in one JVM:
 *   java bench/MakeArtifacts.java DIR PREFIX COUNT            small sites PREFIX-1.zip .. PREFIX-COUNT.zip
 *   java bench/MakeArtifacts.java DIR NAME 1 --megabytes N    one site NAME.zip holding N MB of random bytes
 * Each site has an index.html naming it, so a client can tell which version it got.
 */
public class MakeArtifacts {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        String prefix = args[1];
        int count = Integer.parseInt(args[2]);
        int megabytes = args.length > 4 && args[3].equals("--megabytes") ? Integer.parseInt(args[4]) : 0;
        for (int i = 1; i <= count; i++) {
            String name = megabytes > 0 ? prefix : prefix + "-" + i;
            try (OutputStream out = Files.newOutputStream(dir.resolve(name + ".zip"));
                 ZipOutputStream zip = new ZipOutputStream(out)) {
                zip.putNextEntry(new ZipEntry("index.html"));
                zip.write(("<p>" + name + "</p>\n").getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
                if (megabytes > 0) {
                    // stored, not deflated: random bytes do not compress. A stored entry needs its CRC
                    // up front, so the same seeded bytes are generated twice rather than held in memory.
                    byte[] block = new byte[1 << 20];
                    Random random = new Random(megabytes);
                    CRC32 crc = new CRC32();
                    for (int b = 0; b < megabytes; b++) {
                        random.nextBytes(block);
                        crc.update(block);
                    }
                    ZipEntry data = new ZipEntry("data.bin");
                    data.setMethod(ZipEntry.STORED);
                    data.setSize((long) megabytes << 20);
                    data.setCompressedSize((long) megabytes << 20);
                    data.setCrc(crc.getValue());
                    zip.putNextEntry(data);
                    random = new Random(megabytes);
                    for (int b = 0; b < megabytes; b++) {
                        random.nextBytes(block);
                        zip.write(block);
                    }
                    zip.closeEntry();
                }
            }
        }
    }
}
