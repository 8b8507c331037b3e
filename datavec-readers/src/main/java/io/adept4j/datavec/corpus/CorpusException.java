package io.adept4j.datavec.corpus;

/** A corpus cannot be used as given: the message names the path (and line) and what is wrong. */
public class CorpusException extends IllegalArgumentException {
    public CorpusException(String message) {
        super(message);
    }

    public CorpusException(String message, Throwable cause) {
        super(message, cause);
    }
}
