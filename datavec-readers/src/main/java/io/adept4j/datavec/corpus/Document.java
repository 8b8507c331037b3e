package io.adept4j.datavec.corpus;

import java.util.Objects;

/**
 * One document of a corpus. {@code prompt} is a prefix that is fed to the model but never predicted (the instruction
 * part of an instruction/output record); it is empty for plain text.
 *
 * @param origin where the document came from ({@code file} or {@code file:line}), for messages
 * @param prompt the masked prefix, possibly empty
 * @param text   the text whose tokens are predicted
 */
public record Document(String origin, String prompt, String text) {

    public Document {
        Objects.requireNonNull(origin, "origin");
        prompt = prompt == null ? "" : prompt;
        Objects.requireNonNull(text, "text");
    }

    /** A plain-text document with nothing masked. */
    public static Document of(String origin, String text) {
        return new Document(origin, "", text);
    }

    /** True when there is nothing to predict. */
    public boolean isBlank() {
        return text.isBlank();
    }

    /**
     * A stable 64-bit FNV-1a hash of the content (prompt and text, not the origin), so that the same document lands in
     * the same split wherever it is stored.
     */
    public long contentHash() {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, prompt);
        h = fnv(h ^ 0x1F, text);
        return h;
    }

    private static long fnv(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
