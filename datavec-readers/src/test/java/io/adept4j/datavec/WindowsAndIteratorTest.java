package io.adept4j.datavec;

import io.adept4j.datavec.corpus.Corpus;
import io.adept4j.datavec.corpus.CorpusException;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.MixedWindows;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindowRecordReader;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.TrainValidationSplit;
import io.adept4j.datavec.window.WindowSpec;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.Writable;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowsAndIteratorTest {

    private final Tokenizer bytes = new ByteTokenizer();
    private static final int EOT = 256;

    @Test
    void packedWindowsShiftLabelsByExactlyOneToken() {
        List<Document> docs = List.of(Document.of("a", "abcdefg"), Document.of("b", "hij"));
        // stream: a b c d e f g EOT h i j EOT = 12 tokens
        TokenWindows w = TokenWindows.build("t", docs, bytes, WindowSpec.packed(4));
        assertEquals(12, w.corpusTokens());
        assertArrayEquals(new int[]{'a', 'b', 'c', 'd', 'e'}, w.tokens(0));
        assertArrayEquals(new int[]{'e', 'f', 'g', EOT, 'h'}, w.tokens(1));
        // last window: h i j EOT + one padding token; labels i, j, EOT predicted, the padding label masked
        assertArrayEquals(new int[]{'h', 'i', 'j', EOT, EOT}, w.tokens(2));
        assertArrayEquals(new byte[]{1, 1, 1, 0}, w.labelMask(2));
        assertEquals(3, w.size());
        assertEquals(11, w.predictedTokens(), "every token but the first is predicted exactly once");

        NextTokenDataSetIterator it = new NextTokenDataSetIterator(w, 3, BatchLayout.SAMEDIFF, 257, false, 0);
        DataSet ds = it.next();
        INDArray f = ds.getFeatures();
        INDArray l = ds.getLabels();
        assertEquals(DataType.INT, f.dataType());
        assertArrayEquals(new long[]{3, 4}, f.shape());
        for (int r = 0; r < 3; r++) {
            for (int t = 0; t < 3; t++) {
                assertEquals(f.getInt(r, t + 1), l.getInt(r, t), "labels are features shifted by one");
            }
        }
        assertEquals(1f, ds.getLabelsMaskArray().getFloat(2, 2));
        assertEquals(0f, ds.getLabelsMaskArray().getFloat(2, 3), "the label after the last token is padding");
        assertEquals(1f, ds.getFeaturesMaskArray().getFloat(2, 3), "EOT at position 3 is a real input");
    }

    @Test
    void promptTokensAreNeverPredicted() {
        List<Document> docs = List.of(new Document("x", "Q:", "ok"));
        // stream: Q : o k EOT with flags 0 0 1 1 1
        TokenWindows w = TokenWindows.build("t", docs, bytes, WindowSpec.perDocument(8));
        assertArrayEquals(new int[]{'Q', ':', 'o', 'k', EOT, EOT, EOT, EOT, EOT}, w.tokens(0));
        // label at position t is token t+1: ':'(prompt)=0, 'o'=1, 'k'=1, EOT=1, then padding
        assertArrayEquals(new byte[]{0, 1, 1, 1, 0, 0, 0, 0}, w.labelMask(0));
    }

    @Test
    void perDocumentWindowsStartEachDocumentAfresh() {
        List<Document> docs = List.of(Document.of("a", "abcdef"), Document.of("b", "xy"));
        TokenWindows w = TokenWindows.build("t", docs, bytes, WindowSpec.perDocument(4));
        assertArrayEquals(new int[]{'a', 'b', 'c', 'd', 'e'}, w.tokens(0));
        assertArrayEquals(new int[]{'e', 'f', EOT, EOT, EOT}, w.tokens(1));
        assertArrayEquals(new int[]{'x', 'y', EOT, EOT, EOT}, w.tokens(2));
        assertArrayEquals(new byte[]{1, 1, 0, 0}, w.labelMask(2));
        byte[] input = new byte[4];
        w.inputMask(2, input, 0);
        assertArrayEquals(new byte[]{1, 1, 1, 0}, input, "x y EOT are inputs, the rest is padding");
    }

    @Test
    void overlappingStrideCoversEveryLabel() {
        List<Document> docs = List.of(Document.of("a", "abcdefghij"));
        TokenWindows w = TokenWindows.build("t", docs, bytes, new WindowSpec(4, 2, true));
        assertArrayEquals(new int[]{'c', 'd', 'e', 'f', 'g'}, w.tokens(1));
        assertTrue(w.predictedTokens() >= 10);
    }

    @Test
    void corpusWithoutWindowsIsRefused() {
        // nothing to predict would train nothing: refuse instead of silently doing nothing
        CorpusException e = assertThrows(CorpusException.class,
                () -> TokenWindows.build("t", List.of(), bytes, WindowSpec.perDocument(64)));
        assertTrue(e.getMessage().contains("no token to predict"), e.getMessage());
    }

    @Test
    void splitIsDeterministicAndOrderIndependent() {
        Corpus c = CorpusReader.read(BundledCorpora.math());
        TrainValidationSplit a = TrainValidationSplit.of(c.documents(), 0.1, 7);
        TrainValidationSplit b = TrainValidationSplit.of(c.documents(), 0.1, 7);
        assertEquals(a, b);
        List<Document> shuffled = new ArrayList<>(c.documents());
        Collections.shuffle(shuffled, new java.util.Random(3));
        TrainValidationSplit s = TrainValidationSplit.of(shuffled, 0.1, 7);
        assertEquals(new java.util.HashSet<>(a.validation()), new java.util.HashSet<>(s.validation()));
        double frac = a.validation().size() / (double) c.size();
        assertTrue(frac > 0.05 && frac < 0.15, "validation fraction " + frac);
        assertNotEquals(a.validation(), TrainValidationSplit.of(c.documents(), 0.1, 8).validation(), "salt changes it");
        assertEquals(c.size(), a.train().size() + a.validation().size());
    }

    @Test
    void tinyCorporaStillGetBothSides() {
        List<Document> two = List.of(Document.of("a", "one"), Document.of("b", "two"));
        TrainValidationSplit s = TrainValidationSplit.of(two, 0.01, 0);
        assertEquals(1, s.train().size());
        assertEquals(1, s.validation().size());
        assertThrows(IllegalArgumentException.class, () -> TrainValidationSplit.of(two.subList(0, 1), 0.1, 0));
    }

    @Test
    void shuffleIsSeededAndChangesPerEpoch() {
        TokenWindows w = TokenWindows.build("t", List.of(Document.of("a", "x".repeat(400))), bytes, WindowSpec.packed(4));
        NextTokenDataSetIterator a = new NextTokenDataSetIterator(w, 8, BatchLayout.SAMEDIFF, 257, true, 42);
        NextTokenDataSetIterator b = new NextTokenDataSetIterator(w, 8, BatchLayout.SAMEDIFF, 257, true, 42);
        List<DataSet> ea = drain(a);
        List<DataSet> eb = drain(b);
        assertEquals(ea.size(), eb.size());
        assertEquals(w.size(), ea.stream().mapToLong(d -> d.getFeatures().size(0)).sum(), "every window once");
        assertEquals(ea.get(0).getLabelsMaskArray(), eb.get(0).getLabelsMaskArray());
        // different docs would be needed to see order by content; compare window order through distinct text instead
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            sb.append((char) ('a' + i % 26));
        }
        TokenWindows v = TokenWindows.build("t", List.of(Document.of("a", sb.toString())), bytes, WindowSpec.packed(4));
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(v, 100, BatchLayout.SAMEDIFF, 257, true, 42);
        INDArray e1 = it.next().getFeatures().dup();
        it.reset();
        INDArray e2 = it.next().getFeatures().dup();
        NextTokenDataSetIterator again = new NextTokenDataSetIterator(v, 100, BatchLayout.SAMEDIFF, 257, true, 42);
        assertEquals(e1, again.next().getFeatures(), "same seed, same first epoch");
        assertNotEquals(e1, e2, "a new epoch has a new order");
    }

    private static List<DataSet> drain(NextTokenDataSetIterator it) {
        List<DataSet> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }

    @Test
    void dl4jLayoutHasOneHotLabels() {
        TokenWindows w = TokenWindows.build("t", List.of(Document.of("a", "abcdefghijk")), bytes, WindowSpec.packed(5));
        DataSet ds = new NextTokenDataSetIterator(w, 2, BatchLayout.DL4J_RNN, 257, false, 0).next();
        assertArrayEquals(new long[]{2, 1, 5}, ds.getFeatures().shape());
        assertArrayEquals(new long[]{2, 257, 5}, ds.getLabels().shape());
        assertEquals(1f, ds.getLabels().getFloat(0, 'b', 0));
        assertEquals(10.0, ds.getLabels().sumNumber().doubleValue(), "one 1 per position");
        assertEquals('a', ds.getFeatures().getFloat(0, 0, 0));
    }

    @Test
    void mixingFollowsTheWeights() {
        TokenWindows a = TokenWindows.build("a", List.of(Document.of("a", "a".repeat(200))), bytes, WindowSpec.packed(4));
        TokenWindows b = TokenWindows.build("b", List.of(Document.of("b", "b".repeat(200))), bytes, WindowSpec.packed(4));
        MixedWindows mix = new MixedWindows(List.of(a, b), new double[]{3, 1}, 4000, 1);
        int fromB = 0;
        for (int i = 0; i < mix.size(); i++) {
            fromB += mix.sourceOf(i);
        }
        assertTrue(Math.abs(fromB / 4000.0 - 0.25) < 0.03, "share of b " + fromB / 4000.0);
        int[] tok = new int[5];
        for (int i = 0; i < 50; i++) {
            mix.tokens(i, tok, 0);
            assertEquals(mix.sourceOf(i) == 0 ? 'a' : 'b', tok[1]);
        }
        MixedWindows onlyA = new MixedWindows(List.of(a, b), new double[]{1, 0}, 10, 1);
        for (int i = 0; i < onlyA.size(); i++) {
            assertEquals(0, onlyA.sourceOf(i), "a zero weight is never drawn");
        }
        assertThrows(IllegalArgumentException.class, () -> new MixedWindows(List.of(a, b), new double[]{0, 0}, 10, 1));
    }

    @Test
    void recordReaderReadsAFileSplit() throws Exception {
        TokenWindowRecordReader rr = new TokenWindowRecordReader(bytes, WindowSpec.packed(16));
        rr.initialize(new FileSplit(BundledCorpora.math().toFile()));
        assertTrue(rr.hasNext());
        List<Writable> rec = rr.next();
        assertEquals(3 * 16 + 1, rec.size());
        int[] first = rr.windows().tokens(0);
        for (int i = 0; i < 17; i++) {
            assertEquals(first[i], rec.get(i).toInt());
        }
        int n = 1;
        while (rr.hasNext()) {
            rr.next();
            n++;
        }
        assertEquals(rr.windows().size(), n);
        rr.reset();
        assertTrue(rr.hasNext());
    }
}
