package io.adept4j.datavec.tokenize;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Registry of tokenizer kinds: turns a {@link TokenizerSpec} or a short name such as {@code bpe:8192} into a
 * {@link Tokenizer}. New kinds (e.g. a Hugging Face {@code tokenizer.json}) register here instead of editing a switch.
 */
public final class Tokenizers {

    private static final Map<String, IntFunction<Tokenizer>> KINDS = new LinkedHashMap<>();
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();
    private static final Map<TokenizerSpec, Tokenizer> LOADED = new ConcurrentHashMap<>();

    static {
        register(BpeTokenizer.KIND, BpeTokenizer::new);
        register(ByteTokenizer.KIND, vocab -> {
            ByteTokenizer t = new ByteTokenizer();
            if (vocab != t.vocabSize()) {
                throw new IllegalArgumentException("the byte tokenizer has exactly " + t.vocabSize() + " ids, not " + vocab);
            }
            return t;
        });
    }

    private Tokenizers() {
    }

    /** Adds a tokenizer kind; the factory receives the vocabulary size. */
    public static synchronized void register(String kind, IntFunction<Tokenizer> factory) {
        KINDS.put(kind, factory);
    }

    /**
     * Parses {@code kind[:vocab]}: {@code bpe:8192}, {@code bpe} (default vocabulary), {@code byte}.
     *
     * @throws IllegalArgumentException naming the accepted forms when the text is not one of them
     */
    public static Tokenizer parse(String text) {
        String s = text == null ? "" : text.trim();
        int colon = s.indexOf(':');
        String kind = colon < 0 ? s : s.substring(0, colon);
        int vocab;
        if (colon < 0) {
            vocab = switch (kind) {
                case BpeTokenizer.KIND -> BpeTokenizer.DEFAULT_VOCAB;
                case ByteTokenizer.KIND -> new ByteTokenizer().vocabSize();
                default -> -1;
            };
        } else {
            try {
                vocab = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("tokenizer '" + text + "': vocabulary size is not a number"
                        + " (expected e.g. bpe:8192 or byte)");
            }
        }
        if (!KINDS.containsKey(kind) || vocab < 0) {
            throw new IllegalArgumentException("unknown tokenizer '" + text + "'; known kinds: " + KINDS.keySet()
                    + " (e.g. bpe:8192 or byte)");
        }
        return forSpecKey(kind, vocab);
    }

    /**
     * Registers a tokenizer read from a file (its spec has a fingerprint), so that {@link #fromSpec} finds it. Loading
     * a model folder that carries the file does this.
     */
    public static void registerLoaded(Tokenizer tokenizer) {
        if (tokenizer.spec().fingerprint() == null) {
            throw new IllegalArgumentException("only tokenizers read from a file (with a fingerprint) are registered");
        }
        LOADED.put(tokenizer.spec(), tokenizer);
    }

    /** A tokenizer registered with {@link #registerLoaded} for exactly this spec, or null. */
    public static Tokenizer loaded(TokenizerSpec spec) {
        return LOADED.get(spec);
    }

    /**
     * The tokenizer for a saved spec; fails if the built tokenizer's specials differ from the saved ones, or, for a
     * tokenizer read from a file, if that file has not been loaded.
     */
    public static Tokenizer fromSpec(TokenizerSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("the model has no tokenizer (an import without tokenizer.json?): it"
                    + " cannot read text");
        }
        if (spec.fingerprint() != null) {
            Tokenizer t = LOADED.get(spec);
            if (t == null) {
                throw new TokenizerMismatchException("tokenizer " + spec.shortName() + " (file sha256 "
                        + spec.fingerprint().substring(0, Math.min(12, spec.fingerprint().length()))
                        + "…) is not loaded: load the model folder that carries its tokenizer.json");
            }
            return t;
        }
        if (!KINDS.containsKey(spec.kind())) {
            throw new IllegalArgumentException("unknown tokenizer kind '" + spec.kind() + "'; known kinds: " + KINDS.keySet());
        }
        Tokenizer t = forSpecKey(spec.kind(), spec.vocabSize());
        if (!t.spec().equals(spec)) {
            throw new TokenizerMismatchException("saved tokenizer spec " + spec + " does not match the built tokenizer "
                    + t.spec());
        }
        return t;
    }

    /** Throws when {@code actual} is not {@code expected}, naming both. */
    public static void requireSame(TokenizerSpec expected, TokenizerSpec actual, String what) {
        if (!expected.equals(actual)) {
            throw new TokenizerMismatchException(what + " was made with tokenizer " + expected.shortName()
                    + " but tokenizer " + actual.shortName() + " was given");
        }
    }

    private static Tokenizer forSpecKey(String kind, int vocab) {
        // Building a BPE table takes ~100 ms: share instances, they are immutable and thread-safe.
        return CACHE.computeIfAbsent(kind + ":" + vocab, k -> KINDS.get(kind).apply(vocab));
    }
}
