package io.carbide.repository.internal;

import java.io.OutputStream;

final class OutputStreams {

    /** Where validation reads archive entries to: it only needs to know they read to the end. */
    static final OutputStream DISCARD = OutputStream.nullOutputStream();

    private OutputStreams() {
    }
}
