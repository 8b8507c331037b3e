package io.adept4j.datavec;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.adept4j.datavec.corpus.Corpus;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.BpeTokenizer;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.TokenizerMismatchException;
import io.adept4j.datavec.tokenize.TokenizerSpec;
import io.adept4j.datavec.tokenize.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerTest {

    @Test
    void bpeRoundTripIsByteExactOnEveryBundledCorpus() {
        Tokenizer bpe = Tokenizers.parse("bpe:8192");
        for (Path p : BundledCorpora.all()) {
            Corpus c = CorpusReader.read(p);
            long tokens = 0;
            for (Document d : c.documents()) {
                int[] ids = bpe.encode(d.text());
                tokens += ids.length;
                for (int id : ids) {
                    assertTrue(id >= 0 && id < 8191, "id " + id + " out of range (end-of-text is 8191)");
                }
                byte[] back = bpe.decodeBytes(ids);
                assertArrayEquals(d.text().getBytes(StandardCharsets.UTF_8), back, "round trip differs in " + d.origin());
            }
            assertTrue(tokens > 100_000, p + " gave only " + tokens + " tokens");
        }
    }

    @Test
    void cachedEncodingEqualsPlainBpeOnTheSameRanks() {
        // The full-vocabulary tokenizer must give exactly what jtokkit's own r50k_base gives: the piece cache and our
        // pre-tokenisation must not change a single id.
        Tokenizer full = Tokenizers.parse("bpe:50257");
        Encoding r50k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        Corpus c = CorpusReader.read(BundledCorpora.code());
        for (Document d : c.documents().subList(0, 20)) {
            assertArrayEquals(r50k.encodeOrdinary(d.text()).toArray(), full.encode(d.text()), d.origin());
            assertArrayEquals(full.encode(d.text()), full.encode(d.text()), "second (cached) encoding differs");
        }
    }

    @Test
    void smallerVocabularyIsLosslessAndUsesMoreTokens() {
        String text = "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
                + "must be in want of a wife. Ünïcödé ✓ 数学 \t\n  spaces";
        Tokenizer small = Tokenizers.parse("bpe:300");
        Tokenizer big = Tokenizers.parse("bpe:8192");
        assertEquals(text, small.decode(small.encode(text)));
        assertEquals(text, big.decode(big.encode(text)));
        assertTrue(small.encode(text).length > big.encode(text).length);
    }

    @Test
    void specialTokenTextIsEncodedAsOrdinaryText() {
        Tokenizer bpe = Tokenizers.parse("bpe:8192");
        int[] ids = bpe.encode("a " + TokenizerSpec.END_OF_TEXT + " b");
        assertTrue(Arrays.stream(ids).noneMatch(i -> i == bpe.endOfTextId()));
        assertEquals("a " + TokenizerSpec.END_OF_TEXT + " b", bpe.decode(ids));
        assertEquals(TokenizerSpec.END_OF_TEXT, bpe.decode(new int[]{bpe.endOfTextId()}));
    }

    @Test
    void byteTokenizerIsExact() {
        Tokenizer t = new ByteTokenizer();
        String s = "héllo\u0000wörld";
        assertEquals(s.getBytes(StandardCharsets.UTF_8).length, t.encode(s).length);
        assertEquals(s, t.decode(t.encode(s)));
        assertEquals(257, t.vocabSize());
        assertEquals(256, t.endOfTextId());
    }

    @Test
    void specsRoundTripAndMismatchesAreRefused() {
        Tokenizer bpe = Tokenizers.parse("bpe:4096");
        assertEquals(new TokenizerSpec("bpe", 4096, Map.of(TokenizerSpec.END_OF_TEXT, 4095)), bpe.spec());
        assertEquals(bpe.spec(), Tokenizers.fromSpec(bpe.spec()).spec());
        assertThrows(TokenizerMismatchException.class,
                () -> Tokenizers.requireSame(bpe.spec(), Tokenizers.parse("bpe:8192").spec(), "model m"));
        assertThrows(TokenizerMismatchException.class,
                () -> Tokenizers.fromSpec(new TokenizerSpec("bpe", 4096, Map.of(TokenizerSpec.END_OF_TEXT, 7))));
    }

    @Test
    void badTokenizerNamesGetClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.parse("wordpiece:100"));
        assertTrue(e.getMessage().contains("known kinds"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.parse("bpe:abc"));
        assertTrue(e.getMessage().contains("not a number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BpeTokenizer(100));
        assertTrue(e.getMessage().contains("257"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.parse("byte:300"));
    }
}
