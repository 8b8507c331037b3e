package io.adept4j.datavec.tokenize;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;
import com.knuddels.jtokkit.api.IntArrayList;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level BPE (jtokkit's {@code r50k_base} ranks) cut down to a smaller vocabulary. BPE ranks are merge
 * order, so keeping the ranks below a bound is itself a complete, lossless byte-level BPE: every byte keeps its
 * single-byte token (ranks 0..255) and only the late merges are dropped. The last id is {@code <|endoftext|>}.
 *
 * <p>Text is split with GPT-2's pre-tokenisation pattern and each piece is encoded once and then looked up in a cache:
 * natural text repeats its words, so most pieces never reach the merge loop.
 */
public final class BpeTokenizer implements Tokenizer {

    /** Registry name. */
    public static final String KIND = "bpe";
    /** Default vocabulary size: a 6x smaller output layer than GPT-2's for 17-27 % more tokens. */
    public static final int DEFAULT_VOCAB = 8192;
    /** Ranks in r50k_base (50,256) plus the end-of-text token. */
    public static final int MAX_VOCAB = 50257;
    private static final String RANKS_RESOURCE = "/com/knuddels/jtokkit/r50k_base.tiktoken";
    private static final String GPT2_PATTERN =
            "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Bound on cached pieces; the cache is dropped when full, which costs only speed. */
    private static final int CACHE_LIMIT = 1 << 18;

    private final TokenizerSpec spec;
    private final Encoding encoding;
    private final Pattern pattern = Pattern.compile(GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocabSize total ids including {@code <|endoftext|>}, in [257, 50257]
     */
    public BpeTokenizer(int vocabSize) {
        if (vocabSize < 257 || vocabSize > MAX_VOCAB) {
            throw new IllegalArgumentException("bpe vocabulary size must be between 257 (all bytes + end-of-text) and "
                    + MAX_VOCAB + " (all of GPT-2's merges), got " + vocabSize);
        }
        int eot = vocabSize - 1;
        this.spec = new TokenizerSpec(KIND, vocabSize, Map.of(TokenizerSpec.END_OF_TEXT, eot));
        Map<byte[], Integer> ranks = loadRanks(eot);
        EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
        String name = "adept4j_r50k_" + vocabSize;
        registry.registerGptBytePairEncoding(new GptBytePairEncodingParams(name, pattern, ranks,
                Map.of(TokenizerSpec.END_OF_TEXT, eot)));
        this.encoding = registry.getEncoding(name).orElseThrow();
    }

    private static Map<byte[], Integer> loadRanks(int keepBelow) {
        Map<byte[], Integer> ranks = new HashMap<>(keepBelow * 2);
        try (InputStream in = BpeTokenizer.class.getResourceAsStream(RANKS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("jtokkit's " + RANKS_RESOURCE + " is not on the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            Base64.Decoder b64 = Base64.getDecoder();
            while ((line = reader.readLine()) != null) {
                int space = line.indexOf(' ');
                if (space < 0) {
                    continue;
                }
                int rank = Integer.parseInt(line.substring(space + 1).trim());
                if (rank < keepBelow) {
                    ranks.put(b64.decode(line.substring(0, space)), rank);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RANKS_RESOURCE, e);
        }
        if (ranks.size() != keepBelow) {
            throw new IllegalStateException("expected " + keepBelow + " BPE ranks, found " + ranks.size());
        }
        return ranks;
    }

    @Override
    public TokenizerSpec spec() {
        return spec;
    }

    @Override
    public int[] encode(String text) {
        IntArrayList out = new IntArrayList(Math.max(16, text.length() / 3));
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            String piece = text.substring(m.start(), m.end());
            int[] ids = cache.get(piece);
            if (ids == null) {
                ids = encoding.encodeOrdinary(piece).toArray();
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(piece, ids);
            }
            for (int id : ids) {
                out.add(id);
            }
        }
        return out.toArray();
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= spec.vocabSize()) {
                throw new IllegalArgumentException("id " + id + " is outside the vocabulary [0," + spec.vocabSize()
                        + ") of " + spec.shortName());
            }
            list.add(id);
        }
        return encoding.decodeBytes(list);
    }
}
