package io.adept4j.datavec.corpus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Reads a corpus path into {@link Document}s. A path may be
 * <ul>
 *   <li>a text file: one document, read as its paragraphs (pieces separated by blank lines, with no end-of-text
 *       between them), so that one big file can still be split into training and validation text;</li>
 *   <li>a {@code .jsonl} file: one record per line, {@code {"text": …}} or {@code {"instruction": …, "input"?: …,
 *       "output": …}} (the instruction is rendered as a masked prompt);</li>
 *   <li>a {@code .json} file holding an array of such records (the ADEPT reference's probe format);</li>
 *   <li>a folder: every regular, non-hidden file below it that matches the include globs, in path order.</li>
 * </ul>
 * Any file may be gzip-compressed ({@code .gz}); bytes that are not UTF-8 are replaced and counted. A file that is not
 * text (NUL bytes, or mostly invalid UTF-8: an executable, an image, a UTF-16 file) is refused by name.
 */
public final class CorpusReader {

    private static final Logger log = LoggerFactory.getLogger(CorpusReader.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CorpusOptions options;

    public CorpusReader(CorpusOptions options) {
        this.options = options;
    }

    /** Reads with default options. */
    public static Corpus read(Path path) {
        return new CorpusReader(CorpusOptions.defaults()).open(path);
    }

    /** Reads one corpus path, named after its file or folder. */
    public Corpus open(Path path) {
        String name = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        return open(name, path);
    }

    /**
     * Reads one corpus path.
     *
     * @throws CorpusException if the path is missing, holds no text, or a record is malformed
     */
    public Corpus open(String name, Path path) {
        if (!Files.exists(path)) {
            throw new CorpusException("corpus path does not exist: " + path.toAbsolutePath());
        }
        List<Path> files = Files.isDirectory(path) ? listFiles(path) : List.of(path);
        if (files.isEmpty()) {
            throw new CorpusException("corpus folder " + path + " has no files"
                    + (options.includeGlobs().isEmpty() ? "" : " matching " + options.includeGlobs()));
        }
        List<Document> docs = new ArrayList<>();
        long bytes = 0;
        long replaced = 0;
        for (Path f : files) {
            byte[] raw = readBytes(f);
            bytes += raw.length;
            Utf8Decoder.Result r = Utf8Decoder.decode(raw);
            requireText(f, raw, r.replacedBytes());
            if (r.replacedBytes() > 0) {
                log.warn("{}: {} byte(s) are not valid UTF-8 and were replaced by U+FFFD", f, r.replacedBytes());
                replaced += r.replacedBytes();
            }
            parse(f, r.text(), docs);
        }
        if (docs.isEmpty()) {
            throw new CorpusException("corpus " + path + " contains no text (" + files.size() + " file(s), "
                    + bytes + " bytes, all blank)");
        }
        return new Corpus(name, docs, files.size(), bytes, replaced);
    }

    /** Share of invalid UTF-8 bytes above which a file is taken for binary rather than text with a few bad bytes. */
    static final double MAX_INVALID_SHARE = 0.05;

    private static void requireText(Path f, byte[] raw, long replaced) {
        int nul = 0;
        for (byte b : raw) {
            if (b == 0) {
                nul++;
            }
        }
        if (nul > 0 || (raw.length >= 64 && replaced > MAX_INVALID_SHARE * raw.length)) {
            throw new CorpusException(f + " is not UTF-8 text (" + nul + " NUL byte(s), " + replaced + " of " + raw.length
                    + " bytes invalid UTF-8): remove it from the corpus, or select text files with --include GLOB");
        }
    }

    private List<Path> listFiles(Path dir) {
        // "**/*.txt" should also match "a.txt" at the top of the folder, as users expect from other tools.
        List<PathMatcher> matchers = options.includeGlobs().stream()
                .flatMap(g -> g.startsWith("**/") ? Stream.of(g, g.substring(3)) : Stream.of(g))
                .map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !dir.relativize(p).toString().startsWith(".")
                            && !p.getFileName().toString().startsWith("."))
                    .filter(p -> matchers.isEmpty() || matchers.stream().anyMatch(
                            m -> m.matches(dir.relativize(p))))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new CorpusException("cannot list corpus folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readBytes(Path f) {
        try (InputStream in = openStream(f)) {
            return in.readAllBytes();
        } catch (java.util.zip.ZipException e) {
            throw new CorpusException(f + ": not a valid gzip file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new CorpusException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private static InputStream openStream(Path f) throws IOException {
        InputStream in = Files.newInputStream(f);
        return isGzip(f) ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static boolean isGzip(Path f) {
        return f.getFileName().toString().toLowerCase().endsWith(".gz");
    }

    private static String baseName(Path f) {
        String n = f.getFileName().toString().toLowerCase();
        return n.endsWith(".gz") ? n.substring(0, n.length() - 3) : n;
    }

    private void parse(Path f, String text, List<Document> out) {
        String base = baseName(f);
        if (base.endsWith(".jsonl")) {
            parseJsonLines(f, text, out);
        } else if (base.endsWith(".json")) {
            parseJsonArray(f, text, out);
        } else if (!text.isBlank()) {
            addParagraphs(f.toString(), text, out);
        }
    }

    /** One or more blank lines: a line break, then lines of only spaces or tabs, each ending in a line break. */
    private static final java.util.regex.Pattern BLANK_LINE = java.util.regex.Pattern.compile("\\n([ \\t\\r]*\\n)+");

    /**
     * Adds a plain text as its paragraphs, each with the blank line that follows it (so the pieces concatenate back to
     * the text); only the last piece ends the text.
     */
    static void addParagraphs(String origin, String text, List<Document> out) {
        List<String> pieces = new ArrayList<>();
        java.util.regex.Matcher m = BLANK_LINE.matcher(text);
        int start = 0;
        while (m.find()) {
            pieces.add(text.substring(start, m.end()));
            start = m.end();
        }
        pieces.add(text.substring(start));
        pieces.removeIf(String::isBlank);
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1;
            out.add(new Document(pieces.size() == 1 ? origin : origin + "#" + (i + 1), "", pieces.get(i), last));
        }
    }

    private void parseJsonLines(Path f, String text, List<Document> out) {
        int lineNo = 0;
        int start = 0;
        while (start <= text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            lineNo++;
            String line = text.substring(start, end).strip();
            start = end + 1;
            if (line.isEmpty()) {
                continue;
            }
            String where = f + ":" + lineNo;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new CorpusException(where + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
            }
            addRecord(where, node, out);
        }
    }

    private void parseJsonArray(Path f, String text, List<Document> out) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CorpusException(f + ":" + e.getLocation().getLineNr() + ": not valid JSON ("
                    + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isArray()) {
            throw new CorpusException(f + ": a .json corpus must hold an array of records ({\"text\"} or "
                    + "{\"instruction\",\"output\"}); use .jsonl for one record per line");
        }
        for (int i = 0; i < root.size(); i++) {
            addRecord(f + "[" + i + "]", root.get(i), out);
        }
    }

    private void addRecord(String where, JsonNode node, List<Document> out) {
        if (node == null || !node.isObject()) {
            throw new CorpusException(where + ": a record must be a JSON object with \"text\" or \"instruction\"+\"output\"");
        }
        JsonNode text = node.get("text");
        if (text != null) {
            requireString(where, "text", text);
            if (!text.asText().isBlank()) {
                out.add(Document.of(where, text.asText()));
            }
            return;
        }
        JsonNode instruction = node.get("instruction");
        JsonNode output = node.get("output");
        if (instruction == null || output == null) {
            throw new CorpusException(where + ": record has neither \"text\" nor both \"instruction\" and \"output\" "
                    + "(fields: " + fieldNames(node) + ")");
        }
        requireString(where, "instruction", instruction);
        requireString(where, "output", output);
        String instr = instruction.asText();
        JsonNode input = node.get("input");
        if (input != null && input.isTextual() && !input.asText().isBlank()) {
            instr = instr + "\n" + input.asText();
        }
        if (!output.asText().isBlank()) {
            out.add(new Document(where, String.format(options.instructionPrompt(), instr), output.asText()));
        }
    }

    private static void requireString(String where, String field, JsonNode value) {
        if (!value.isTextual()) {
            throw new CorpusException(where + ": field \"" + field + "\" must be a string, got " + value.getNodeType());
        }
    }

    private static String fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }

    /** Reads several paths as one corpus named {@code name}. */
    public Corpus openAll(String name, List<Path> paths) {
        if (paths.isEmpty()) {
            throw new CorpusException("no corpus path given for " + name);
        }
        if (paths.size() == 1) {
            return open(name, paths.get(0));
        }
        List<Document> docs = new ArrayList<>();
        int files = 0;
        long bytes = 0;
        long replaced = 0;
        for (Path p : paths) {
            Corpus c = open(p);
            docs.addAll(c.documents());
            files += c.files();
            bytes += c.bytes();
            replaced += c.replacedBytes();
        }
        return new Corpus(name, docs, files, bytes, replaced);
    }

}
