package io.adept4j.datavec;

import io.adept4j.datavec.corpus.Corpus;
import io.adept4j.datavec.corpus.CorpusException;
import io.adept4j.datavec.corpus.CorpusOptions;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorpusReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void textFileIsOneDocument() throws IOException {
        Corpus c = CorpusReader.read(write("a.txt", "hello world\nsecond line"));
        assertEquals(1, c.size());
        assertEquals("hello world\nsecond line", c.documents().get(0).text());
        assertEquals(0, c.replacedBytes());
    }

    @Test
    void folderIsReadRecursivelyInPathOrderWithGlobs() throws IOException {
        write("f/b.txt", "bee");
        write("f/sub/a.txt", "ay");
        write("f/sub/c.md", "see");
        write("f/.hidden", "no");
        Corpus all = CorpusReader.read(dir.resolve("f"));
        assertEquals(List.of("bee", "ay", "see"), all.documents().stream().map(Document::text).toList());
        Corpus txt = new CorpusReader(CorpusOptions.defaults().withIncludes(List.of("**/*.txt"))).open(dir.resolve("f"));
        assertEquals(List.of("bee", "ay"), txt.documents().stream().map(Document::text).toList());
    }

    @Test
    void gzipIsTransparent() throws IOException {
        Path gz = dir.resolve("x.jsonl.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write("{\"text\":\"one\"}\n{\"text\":\"two\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(List.of("one", "two"), CorpusReader.read(gz).documents().stream().map(Document::text).toList());
    }

    @Test
    void instructionRecordsBecomeMaskedPrompts() throws IOException {
        Path p = write("sft.jsonl", "{\"instruction\":\"Add 2 and 2\",\"output\":\"4\"}\n"
                + "{\"instruction\":\"Say\",\"input\":\"hi\",\"output\":\"hi\"}\n");
        List<Document> docs = CorpusReader.read(p).documents();
        assertEquals("User: Add 2 and 2\nAssistant: ", docs.get(0).prompt());
        assertEquals("4", docs.get(0).text());
        assertEquals("User: Say\nhi\nAssistant: ", docs.get(1).prompt());
    }

    @Test
    void jsonArrayFilesAreRead() throws IOException {
        Path p = write("probe.json", "[{\"text\":\"a\"},{\"instruction\":\"q\",\"output\":\"b\"}]");
        assertEquals(2, CorpusReader.read(p).size());
    }

    @Test
    void missingPathIsNamed() {
        CorpusException e = assertThrows(CorpusException.class, () -> CorpusReader.read(dir.resolve("nope.txt")));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("nope.txt"), e.getMessage());
    }

    @Test
    void emptyCorporaAreRefused() throws IOException {
        CorpusException e = assertThrows(CorpusException.class, () -> CorpusReader.read(write("blank.txt", "  \n\n ")));
        assertTrue(e.getMessage().contains("contains no text"), e.getMessage());
        Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(CorpusException.class, () -> CorpusReader.read(dir.resolve("empty")));
        assertTrue(e.getMessage().contains("has no files"), e.getMessage());
    }

    @Test
    void badJsonLineNamesFileAndLine() throws IOException {
        Path p = write("bad.jsonl", "{\"text\":\"ok\"}\n\n{\"text\": oops}\n");
        CorpusException e = assertThrows(CorpusException.class, () -> CorpusReader.read(p));
        assertTrue(e.getMessage().contains("bad.jsonl:3") && e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void recordWithoutTextNamesItsFields() throws IOException {
        Path p = write("odd.jsonl", "{\"body\":\"x\"}\n");
        CorpusException e = assertThrows(CorpusException.class, () -> CorpusReader.read(p));
        assertTrue(e.getMessage().contains("odd.jsonl:1") && e.getMessage().contains("[body]"), e.getMessage());
        Path q = write("num.jsonl", "{\"text\":3}\n");
        e = assertThrows(CorpusException.class, () -> CorpusReader.read(q));
        assertTrue(e.getMessage().contains("must be a string"), e.getMessage());
    }

    @Test
    void invalidUtf8IsReplacedAndCounted() throws IOException {
        Path p = dir.resolve("latin1.txt");
        byte[] bytes = {'c', 'a', 'f', (byte) 0xE9, ' ', 'o', 'k', (byte) 0xFF, (byte) 0xFE};
        Files.write(p, bytes);
        Corpus c = CorpusReader.read(p);
        assertEquals(3, c.replacedBytes());
        assertEquals("caf\uFFFD ok\uFFFD\uFFFD", c.documents().get(0).text());
    }

    @Test
    void corruptGzipIsNamed() throws IOException {
        Path p = dir.resolve("broken.txt.gz");
        Files.write(p, new byte[]{0x1f, (byte) 0x8b, 1, 2, 3});
        CorpusException e = assertThrows(CorpusException.class, () -> CorpusReader.read(p));
        assertTrue(e.getMessage().contains("broken.txt.gz"), e.getMessage());
    }

    @Test
    void corpusShorterThanOneWindowIsRefused() throws IOException {
        Corpus c = CorpusReader.read(write("short.txt", "tiny"));
        CorpusException e = assertThrows(CorpusException.class,
                () -> TokenWindows.build("short", c.documents(), new ByteTokenizer(), WindowSpec.packed(64)));
        assertTrue(e.getMessage().contains("only 5 tokens") && e.getMessage().contains("65"), e.getMessage());
    }
}
