package io.adept4j.datavec.tokenize;

/** Thrown when data or a model was made with a different tokenizer than the one offered. */
public class TokenizerMismatchException extends IllegalArgumentException {
    public TokenizerMismatchException(String message) {
        super(message);
    }
}
