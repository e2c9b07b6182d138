package io.carbide.repository.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Finds symbolic links stored in a zip. Java's zip API does not show an entry's file mode, which
 * zip tools keep in the central directory's "external attributes" (the Unix mode in the upper 16
 * bits), so this reads the central directory itself. A link would be unpacked as a plain file
 * holding its target's path, never as a link, but an archive that holds one was not made for a
 * web application, and it is refused.
 */
final class ZipLinks {

    private static final int END_OF_DIRECTORY = 0x06054b50;
    private static final int DIRECTORY_ENTRY = 0x02014b50;
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SYMBOLIC_LINK = 0120000;
    private static final int MAX_COMMENT = 0xffff;

    private ZipLinks() {
    }

    /** The name of the first entry stored as a symbolic link, if any. */
    static Optional<String> firstLink(Path zip) throws IOException {
        try (FileChannel channel = FileChannel.open(zip, StandardOpenOption.READ)) {
            long size = channel.size();
            int tail = (int) Math.min(size, 22 + MAX_COMMENT);
            ByteBuffer end = read(channel, size - tail, tail);
            int at = -1;
            for (int i = tail - 22; i >= 0; i--) {
                if (end.getInt(i) == END_OF_DIRECTORY) {
                    at = i;
                    break;
                }
            }
            if (at < 0) {
                return Optional.empty(); // not a zip this can read; the zip reader reports that
            }
            long directorySize = Integer.toUnsignedLong(end.getInt(at + 12));
            long directoryOffset = Integer.toUnsignedLong(end.getInt(at + 16));
            if (directoryOffset + directorySize > size || directorySize > Integer.MAX_VALUE) {
                return Optional.empty(); // Zip64 or damaged: the zip reader has the last word
            }
            ByteBuffer directory = read(channel, directoryOffset, (int) directorySize);
            int position = 0;
            while (position + 46 <= directory.limit() && directory.getInt(position) == DIRECTORY_ENTRY) {
                int madeBy = Short.toUnsignedInt(directory.getShort(position + 4)) >> 8;
                int nameLength = Short.toUnsignedInt(directory.getShort(position + 28));
                int extraLength = Short.toUnsignedInt(directory.getShort(position + 30));
                int commentLength = Short.toUnsignedInt(directory.getShort(position + 32));
                int mode = directory.getInt(position + 38) >>> 16;
                if (madeBy == 3 && (mode & FILE_TYPE_MASK) == SYMBOLIC_LINK) { // 3: made on Unix
                    byte[] name = new byte[Math.min(nameLength, directory.limit() - position - 46)];
                    directory.get(position + 46, name);
                    return Optional.of(new String(name, StandardCharsets.UTF_8));
                }
                position += 46 + nameLength + extraLength + commentLength;
            }
            return Optional.empty();
        }
    }

    private static ByteBuffer read(FileChannel channel, long from, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) >= 0) {
            // read until full
        }
        buffer.flip();
        return buffer;
    }
}
