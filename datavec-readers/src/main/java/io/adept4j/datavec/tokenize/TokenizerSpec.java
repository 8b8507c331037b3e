package io.adept4j.datavec.tokenize;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;
import java.util.Objects;

/**
 * What identifies a tokenizer: its kind (a name the {@link Tokenizers} registry knows), its vocabulary size and its
 * special tokens. Saved as JSON next to every model; two tokenizers with equal specs produce identical ids.
 *
 * @param kind          registry name, e.g. {@code bpe} or {@code byte}
 * @param vocabSize     number of ids, special tokens included
 * @param specialTokens special token string to id
 * @param fingerprint   for tokenizers read from a file ({@code tokenizer.json}): the SHA-256 of that file; null for
 *                      built-in tokenizers, which the kind and size fully determine
 */
public record TokenizerSpec(
        @JsonProperty("kind") String kind,
        @JsonProperty("vocabSize") int vocabSize,
        @JsonProperty("specialTokens") Map<String, Integer> specialTokens,
        @JsonProperty("fingerprint") @JsonInclude(JsonInclude.Include.NON_NULL) String fingerprint) {

    /** The end-of-text special token that every built-in tokenizer has. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    @JsonCreator
    public TokenizerSpec {
        Objects.requireNonNull(kind, "kind");
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("tokenizer vocabSize must be positive, got " + vocabSize);
        }
        specialTokens = Map.copyOf(specialTokens == null ? Map.of() : specialTokens);
        for (Map.Entry<String, Integer> e : specialTokens.entrySet()) {
            if (e.getValue() < 0 || e.getValue() >= vocabSize) {
                throw new IllegalArgumentException("special token " + e.getKey() + " has id " + e.getValue()
                        + " outside the vocabulary [0," + vocabSize + ")");
            }
        }
    }

    /** A built-in tokenizer's spec (no file behind it). */
    public TokenizerSpec(String kind, int vocabSize, Map<String, Integer> specialTokens) {
        this(kind, vocabSize, specialTokens, null);
    }

    /** Id of {@link #END_OF_TEXT}. */
    public int endOfTextId() {
        Integer id = specialTokens.get(END_OF_TEXT);
        if (id == null) {
            throw new IllegalStateException("tokenizer " + this + " has no " + END_OF_TEXT + " token");
        }
        return id;
    }

    /** Short form used on the command line, e.g. {@code bpe:8192}. */
    public String shortName() {
        return kind + ":" + vocabSize;
    }
}
