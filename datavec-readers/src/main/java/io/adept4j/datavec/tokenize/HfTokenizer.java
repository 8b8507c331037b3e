package io.adept4j.datavec.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer read from a Hugging Face {@code tokenizer.json} (the format of the {@code tokenizers} library), run by
 * DJL's binding of that library: the same ids as {@code transformers}' fast tokenizers. Works offline: the native
 * library comes inside DJL's jar and a local file never touches the network.
 *
 * <p>Two differences from the built-in tokenizers, both inherited from the format: special-token strings that appear
 * in the text are matched as special tokens, and decoding follows the file's decoder (for byte-level BPE it is exact;
 * normalising tokenizers may not give back the original bytes).
 *
 * <p>The spec lists the file's special tokens and, when none is called {@code <|endoftext|>}, lists
 * the end-of-sequence id under that name too: it is the key every adept4j tokenizer uses for the document
 * separator, and it keeps the end-of-sequence choice when the spec is saved.
 *
 * <p>The spec's {@link TokenizerSpec#fingerprint() fingerprint} is the SHA-256 of the file, so a model can only be fed
 * by the exact file it was imported with; loaded tokenizers are registered in {@link Tokenizers} under it.
 */
public final class HfTokenizer implements Tokenizer {

    /** Registry kind. */
    public static final String KIND = "hf";
    /** The file name inside a model folder. */
    public static final String FILE = "tokenizer.json";
    /** End-of-text tokens of common families, tried in order when no end-of-sequence id is given. */
    private static final List<String> KNOWN_EOS = List.of(TokenizerSpec.END_OF_TEXT, "<|end_of_text|>", "</s>",
            "<|im_end|>", "<eos>");

    private final byte[] json;
    private final TokenizerSpec spec;
    private final int endOfText;
    private final HuggingFaceTokenizer native_;

    private HfTokenizer(byte[] json, TokenizerSpec spec, int endOfText, HuggingFaceTokenizer tokenizer) {
        this.json = json;
        this.spec = spec;
        this.endOfText = endOfText;
        this.native_ = tokenizer;
    }

    /**
     * Reads a {@code tokenizer.json} and registers it in {@link Tokenizers}.
     *
     * @param file      the file
     * @param vocabSize the model's vocabulary size (may exceed the tokenizer's: models pad their embedding); every id of
     *                  the tokenizer must be below it
     * @param eosId     the end-of-sequence id from the model's config (used when the file has no
     *                  {@code <|endoftext|>}), or -1 to find a known end-of-text token
     * @throws IOException naming the file when it is missing, not a tokenizer, or inconsistent with the model
     */
    public static HfTokenizer load(Path file, int vocabSize, int eosId) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no tokenizer file at " + file);
        }
        byte[] json = Files.readAllBytes(file);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode vocab = root == null ? null : root.path("model").path("vocab");
        if (vocab == null || vocab.isMissingNode()) {
            throw new IOException(file + " is not a Hugging Face tokenizer.json (no model.vocab)");
        }
        int maxId = -1;
        if (vocab.isObject()) {               // BPE / WordPiece / WordLevel: token → id
            for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
                maxId = Math.max(maxId, id.asInt());
            }
        } else if (vocab.isArray()) {         // Unigram: [token, score] pairs, id = position
            maxId = vocab.size() - 1;
        }
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            maxId = Math.max(maxId, t.path("id").asInt());
            if (t.path("special").asBoolean(false)) {
                specials.put(t.path("content").asText(), t.path("id").asInt());
            }
        }
        if (maxId >= vocabSize) {
            throw new IOException(file + " has ids up to " + maxId + ", beyond the model's vocabulary of " + vocabSize);
        }
        // The document separator: the file's <|endoftext|> when it has one, else the config's end-of-sequence id, else
        // the first known end-of-text token. Deterministic, so a saved and reloaded spec picks the same id.
        int eos;
        if (specials.containsKey(TokenizerSpec.END_OF_TEXT)) {
            eos = specials.get(TokenizerSpec.END_OF_TEXT);
        } else if (eosId >= 0) {
            if (eosId >= vocabSize) {
                throw new IOException("eos_token_id " + eosId + " is outside the vocabulary of " + vocabSize);
            }
            eos = eosId;
        } else {
            eos = KNOWN_EOS.stream().filter(specials::containsKey).map(specials::get).findFirst().orElseThrow(() ->
                    new IOException(file + " has none of the end-of-text tokens " + KNOWN_EOS
                            + " and the model config names no eos_token_id; add \"eos_token_id\": ID to config.json"));
        }
        specials.putIfAbsent(TokenizerSpec.END_OF_TEXT, eos);
        TokenizerSpec spec = new TokenizerSpec(KIND, vocabSize, specials, sha256(json));
        if (Tokenizers.loaded(spec) instanceof HfTokenizer already) {
            return already; // the same file for the same model: reuse the native tokenizer
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        } catch (RuntimeException e) {
            throw new IOException("the tokenizers library refused " + file + ": " + e.getMessage(), e);
        }
        HfTokenizer t = new HfTokenizer(json, spec, eos, tok);
        Tokenizers.registerLoaded(t);
        return t;
    }

    /** The file's bytes, to be written next to a model that uses it. */
    public byte[] json() {
        return json.clone();
    }

    @Override
    public TokenizerSpec spec() {
        return spec;
    }

    @Override
    public int endOfTextId() {
        return endOfText;
    }

    @Override
    public int[] encode(String text) {
        long[] ids = native_.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= spec.vocabSize()) {
                throw new IllegalArgumentException("id " + ids[i] + " is outside the vocabulary [0," + spec.vocabSize() + ")");
            }
            l[i] = ids[i];
        }
        return native_.decode(l, false).getBytes(StandardCharsets.UTF_8);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
