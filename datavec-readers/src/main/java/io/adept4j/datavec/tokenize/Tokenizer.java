package io.adept4j.datavec.tokenize;

/**
 * Turns text into token ids and back. Implementations are byte-exact: {@code decodeBytes(encode(s))} gives the UTF-8
 * bytes of {@code s}. Every tokenizer has a {@link TokenizerSpec} that is saved with each model, so a model can never be
 * fed ids from a different vocabulary.
 */
public interface Tokenizer {

    /** The spec that identifies this tokenizer (kind, vocabulary size, special tokens). */
    TokenizerSpec spec();

    /** Number of distinct ids, special tokens included: every id lies in {@code [0, vocabSize())}. */
    default int vocabSize() {
        return spec().vocabSize();
    }

    /** Id of the end-of-text token, used to separate documents and as padding (padding is always masked). */
    default int endOfTextId() {
        return spec().endOfTextId();
    }

    /** Encodes plain text. Special-token strings inside the text are encoded as ordinary text, never as specials. */
    int[] encode(String text);

    /** The exact bytes the ids stand for; special tokens decode to their literal string. */
    byte[] decodeBytes(int[] ids);

    /** Decodes to a string (bytes that do not form valid UTF-8 on their own become U+FFFD). */
    default String decode(int[] ids) {
        return new String(decodeBytes(ids), java.nio.charset.StandardCharsets.UTF_8);
    }
}
