package io.adept4j.ops;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * Runs a call with {@code System.out} muted. SameDiff 1.0.0-M2.1 prints one "Added differentiated op" line per op to
 * standard output while it builds a gradient function (hundreds of lines for a small transformer), and no logging
 * setting turns it off.
 */
public final class QuietStdout {

    private QuietStdout() {
    }

    /** Calls {@code body} with standard output discarded, then restores it. */
    public static synchronized <T> T call(Supplier<T> body) {
        PrintStream original = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return body.get();
        } finally {
            System.setOut(original);
        }
    }
}
