package io.adept4j.datavec.corpus;

import java.util.Objects;

/**
 * One document of a corpus, or one piece of a longer text. {@code prompt} is a prefix that is fed to the model but
 * never predicted (the instruction part of an instruction/output record); it is empty for plain text.
 *
 * <p>A plain-text file is read as pieces (its paragraphs, see {@link CorpusReader}), and a long document may be cut
 * into pieces for the train/validation split: every piece but the last of a text has {@code endOfText == false}, so
 * no end-of-text token is put between pieces of one text — the model never learns that a paragraph ends a text.
 *
 * @param origin    where the document came from ({@code file}, {@code file:line} or {@code file#piece}), for messages
 * @param prompt    the masked prefix, possibly empty
 * @param text      the text whose tokens are predicted
 * @param endOfText whether the text ends here (an end-of-text token follows when documents are packed)
 */
public record Document(String origin, String prompt, String text, boolean endOfText) implements java.io.Serializable {

    public Document {
        Objects.requireNonNull(origin, "origin");
        prompt = prompt == null ? "" : prompt;
        Objects.requireNonNull(text, "text");
    }

    /** A whole document (an end-of-text token follows it). */
    public Document(String origin, String prompt, String text) {
        this(origin, prompt, text, true);
    }

    /** A plain-text document with nothing masked. */
    public static Document of(String origin, String text) {
        return new Document(origin, "", text, true);
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
