// Turns the raw packages fetched by fetch-corpora.sh into JSONL corpora (one {"text": ...} record per document).
// A single-file program (run with `java scripts/ExtractCorpora.java ...`) so that it needs no build and no libraries.
//
//   java scripts/ExtractCorpora.java RAW_DIR OUT_DIR [MAX_BYTES_PER_CORPUS]
//
// RAW_DIR holds what fetch-corpora.sh downloaded: sotu/package/data/*.txt, debx/ (extracted .debs),
// commons-math3-3.6.1-sources.jar. MAX_BYTES (optional) caps each corpus, spreading the cap evenly over its sources
// and documents, which is how the compact excerpts in corpora/ were made.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.regex.*;
import java.util.zip.*;

public class ExtractCorpora {

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java ExtractCorpora.java RAW_DIR OUT_DIR [MAX_BYTES_PER_CORPUS]");
            System.exit(2);
        }
        Path raw = Path.of(args[0]);
        Path out = Path.of(args[1]);
        long max = args.length > 2 ? Long.parseLong(args[2]) : Long.MAX_VALUE;
        Files.createDirectories(out);

        // GENERAL: State of the Union addresses (public domain) + Jane Austen's novels (public domain), half each.
        List<String[]> sotu = sotu(raw.resolve("sotu/package/data"));
        List<String[]> austen = austen(raw.resolve("debx/usr/lib/R/site-library/janeaustenr/data/Rdata.rdb"));
        List<String[]> general = new ArrayList<>();
        general.addAll(spread(sotu, max / 2));
        general.addAll(spread(austen, max / 2));
        write(out.resolve("general.jsonl.gz"), general);

        // DOMAIN math: comments of metamath's set.mm (CC0), grouped into sections of consecutive comments.
        write(out.resolve("math.jsonl.gz"), spread(setmm(raw.resolve("debx/usr/share/metamath/databases/set.mm")), max));

        // DOMAIN code: commons-math3 3.6.1 Java sources (Apache-2.0), one document per file.
        write(out.resolve("code.jsonl.gz"), spread(javaSources(raw.resolve("commons-math3-3.6.1-sources.jar")), max));
    }

    /** Keeps documents evenly spaced through the list until the byte budget is spent, so every era/author appears. */
    static List<String[]> spread(List<String[]> docs, long budget) {
        long total = 0;
        for (String[] d : docs) total += d[1].length();
        if (total <= budget) return docs;
        double keep = (double) budget / total;
        List<String[]> out = new ArrayList<>();
        double acc = 0;
        long used = 0;
        for (String[] d : docs) {
            acc += keep;
            if (acc >= 1 && used + d[1].length() <= budget) {
                acc -= 1;
                out.add(d);
                used += d[1].length();
            }
        }
        return out;
    }

    static List<String[]> sotu(Path dir) throws IOException {
        List<String[]> docs = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".txt")).sorted().toList()) {
                docs.add(new String[]{"sotu/" + p.getFileName(), Files.readString(p, StandardCharsets.UTF_8).strip()});
            }
        }
        return docs;
    }

    /** R's .rdb: records of a 4-byte big-endian length then a zlib stream holding an XDR-serialised character vector. */
    static List<String[]> austen(Path rdb) throws Exception {
        byte[] all = Files.readAllBytes(rdb);
        String[] names = {"emma", "mansfieldpark", "northangerabbey", "persuasion", "prideprejudice", "sensesensibility"};
        List<String[]> docs = new ArrayList<>();
        int pos = 0;
        int book = 0;
        while (pos + 4 < all.length) {
            Inflater inf = new Inflater();
            inf.setInput(all, pos + 4, all.length - pos - 4);
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                bo.write(buf, 0, n);
            }
            int consumed = all.length - pos - 4 - inf.getRemaining();
            inf.end();
            pos += 4 + consumed;
            List<String> lines = strsxp(bo.toByteArray());
            String bookName = book < names.length ? names[book] : "book" + book;
            book++;
            // One document per chapter: chapters start with a line "CHAPTER ..." or "Chapter ...".
            StringBuilder sb = new StringBuilder();
            int chapter = 0;
            for (String line : lines) {
                if (line.matches("(?i)^chapter\\s+[0-9ivxlc]+.*") && sb.length() > 2000) {
                    docs.add(new String[]{"austen/" + bookName + "/" + chapter++, sb.toString().strip()});
                    sb.setLength(0);
                }
                sb.append(line).append('\n');
            }
            if (!sb.toString().isBlank()) docs.add(new String[]{"austen/" + bookName + "/" + chapter, sb.toString().strip()});
        }
        return docs;
    }

    static List<String> strsxp(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        byte[] magic = new byte[2];
        in.readFully(magic);
        in.readInt(); in.readInt(); in.readInt();           // version, writer version, min reader version
        int nlen = in.readInt();
        in.skipBytes(nlen);                                // native encoding name
        int header = in.readInt();
        if ((header & 0xFF) != 16) throw new IOException("not a character vector (SEXP type " + (header & 0xFF) + ")");
        int n = in.readInt();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            in.readInt();                                  // CHARSXP flags
            int len = in.readInt();
            if (len < 0) { out.add(""); continue; }
            byte[] b = new byte[len];
            in.readFully(b);
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Comments {@code $( ... $)} longer than 40 characters, whitespace collapsed, grouped ~4 KB per document. */
    static List<String[]> setmm(Path setmm) throws IOException {
        String text = Files.readString(setmm, StandardCharsets.ISO_8859_1);
        Matcher m = Pattern.compile("\\$\\((.*?)\\$\\)", Pattern.DOTALL).matcher(text);
        List<String[]> docs = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        int section = 0;
        while (m.find()) {
            String c = m.group(1).replaceAll("\\s+", " ").strip();
            if (c.length() <= 40) continue;
            sb.append(c).append('\n');
            if (sb.length() >= 4000) {
                docs.add(new String[]{"set.mm/" + section++, sb.toString().strip()});
                sb.setLength(0);
            }
        }
        if (sb.length() > 0) docs.add(new String[]{"set.mm/" + section, sb.toString().strip()});
        return docs;
    }

    static List<String[]> javaSources(Path jar) throws IOException {
        List<String[]> docs = new ArrayList<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            List<? extends ZipEntry> entries = Collections.list(z.entries()).stream()
                    .filter(e -> e.getName().endsWith(".java")).sorted(Comparator.comparing(ZipEntry::getName)).toList();
            for (ZipEntry e : entries) {
                try (InputStream in = z.getInputStream(e)) {
                    docs.add(new String[]{"commons-math3/" + e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8)});
                }
            }
        }
        return docs;
    }

    static void write(Path file, List<String[]> docs) throws IOException {
        long bytes = 0;
        try (Writer w = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(file)), StandardCharsets.UTF_8)) {
            for (String[] d : docs) {
                w.write("{\"source\":" + json(d[0]) + ",\"text\":" + json(d[1]) + "}\n");
                bytes += d[1].getBytes(StandardCharsets.UTF_8).length;
            }
        }
        System.out.printf("%s: %d documents, %d bytes of text, %d bytes on disk%n", file, docs.size(), bytes, Files.size(file));
    }

    static String json(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
