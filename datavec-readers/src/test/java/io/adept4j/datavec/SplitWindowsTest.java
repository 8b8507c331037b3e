package io.adept4j.datavec;

import io.adept4j.datavec.corpus.CorpusException;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.window.SplitWindows;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One text file of any shape splits into training and validation text; a corpus too small says what it lacks. */
class SplitWindowsTest {

    @TempDir
    Path dir;

    static final ByteTokenizer BYTES = new ByteTokenizer();

    private static String words(int n, int seed) {
        StringBuilder sb = new StringBuilder();
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < n; i++) {
            sb.append(i % 17 == 16 ? ". " : " ").append((char) ('a' + r.nextInt(26))).append((char) ('a' + r.nextInt(26)));
        }
        return sb.toString().strip();
    }

    @Test
    void aTextFileIsReadAsItsParagraphsWithOneEndOfText() throws Exception {
        Path f = dir.resolve("book.txt");
        Files.writeString(f, "First paragraph,\nstill first.\n\n  \nSecond one.\n\n\nThird.\n");
        List<Document> docs = CorpusReader.read(f).documents();
        assertEquals(3, docs.size());
        assertEquals("First paragraph,\nstill first.\n\n  \n", docs.get(0).text());
        assertEquals(List.of(false, false, true), docs.stream().map(Document::endOfText).toList());
        assertEquals(Files.readString(f), String.join("", docs.stream().map(Document::text).toList()),
                "pieces concatenate back to the file");
        TokenWindows w = TokenWindows.build("book", docs, BYTES, WindowSpec.packed(8));
        int eot = 0;
        for (int i = 0; i < w.size(); i++) { // every stream position is a counted label exactly once
            int[] tokens = w.tokens(i);
            byte[] labels = w.labelMask(i);
            for (int j = 0; j < 8; j++) {
                eot += labels[j] == 1 && tokens[j + 1] == BYTES.endOfTextId() ? 1 : 0;
            }
        }
        assertEquals(1, eot, "one end-of-text for the whole file, none between its paragraphs");
    }

    @Test
    void oneLongDocumentWithoutLineBreaksSplitsIntoBothSides() {
        String text = words(4000, 1); // ~12,000 characters, one line
        List<Document> one = List.of(Document.of("one.txt", text));
        SplitWindows s = SplitWindows.build("one", one, 0.05, 42, BYTES, WindowSpec.packed(32));
        assertTrue(s.train().size() > 0 && s.validation().size() > 0);
        Set<String> trainTexts = new HashSet<>(s.trainDocs().stream().map(Document::text).toList());
        assertTrue(s.validationDocs().stream().noneMatch(d -> trainTexts.contains(d.text())), "the sides are disjoint");
        List<Document> pieces = SplitWindows.cut(one, SplitWindows.PIECE_WINDOWS * 32);
        assertEquals(text, String.join("", pieces.stream().map(Document::text).toList()), "cutting loses nothing");
        assertTrue(pieces.stream().allMatch(p -> p.text().length() <= SplitWindows.PIECE_WINDOWS * 32));
        assertEquals(1, pieces.stream().filter(Document::endOfText).count(), "only the last piece ends the text");
        SplitWindows again = SplitWindows.build("one", one, 0.05, 42, BYTES, WindowSpec.packed(32));
        assertEquals(s.validationDocs(), again.validationDocs(), "deterministic");
    }

    @Test
    void aSmallCorpusStillGetsOneValidationWindowAndATinyOneIsRefusedWithItsTokenCount() {
        // 30 short paragraphs of ~25 tokens: the hash alone may give validation less than a 64-token window
        List<Document> small = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            small.add(new Document("s.txt#" + i, "", words(8, i) + "\n\n", i == 29));
        }
        SplitWindows s = SplitWindows.build("small", small, 0.05, 7, BYTES, WindowSpec.packed(64));
        assertTrue(s.validation().size() >= 1 && s.train().size() >= 1);
        CorpusException e = assertThrows(CorpusException.class, () -> SplitWindows.build("tiny",
                List.of(Document.of("tiny.txt", "far too short")), 0.05, 7, BYTES, WindowSpec.packed(64)));
        assertTrue(e.getMessage().contains("tiny.txt") && e.getMessage().contains("14 tokens")
                && e.getMessage().contains("130"), e.getMessage());
        assertFalse(e.getMessage().contains("document(s)"));
    }
}
