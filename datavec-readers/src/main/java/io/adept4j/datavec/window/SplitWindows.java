package io.adept4j.datavec.window;

import io.adept4j.datavec.corpus.CorpusException;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A corpus split into training and validation text and cut into windows: the one place where documents are divided
 * between the two sides, for every command and both model kinds.
 *
 * <p>The split is by piece ({@link TrainValidationSplit}): documents longer than {@link #PIECE_WINDOWS} windows' worth
 * of characters are first cut into pieces at whitespace, so that one long document — a single {@code .txt} file, a
 * single JSONL record — still splits. Probing and importance must draw from {@link #train()} only: validation text is
 * never probed.
 *
 * @param train           training windows
 * @param validation      validation windows
 * @param trainDocs       the training side's documents (pieces)
 * @param validationDocs  the validation side's documents (pieces)
 */
public record SplitWindows(TokenWindows train, TokenWindows validation, List<Document> trainDocs,
                           List<Document> validationDocs) {

    /** Default share of the corpus held out for validation. */
    public static final double DEFAULT_VALIDATION_FRACTION = 0.05;

    /**
     * Longest piece, in characters per window of the model's length: 16 × T characters is about 4 windows of English
     * BPE tokens (~4 characters each) and 16 of a byte tokenizer — fine-grained enough for a 5 % validation share.
     */
    public static final int PIECE_WINDOWS = 16;

    /**
     * Splits and windows {@code docs}.
     *
     * @throws CorpusException if the corpus is too small for one training and one validation window; the message says
     *                         how many tokens it has and needs
     */
    public static SplitWindows build(String name, List<Document> docs, double validationFraction, long salt,
                                     Tokenizer tokenizer, WindowSpec spec) {
        List<Document> pieces = cut(docs, PIECE_WINDOWS * spec.length());
        if (pieces.size() < 2) {
            pieces = cut(docs, Math.max(16, spec.length())); // a small corpus: pieces of about one window
        }
        if (pieces.size() < 2) {
            throw tooSmall(name, docs, tokenizer, spec);
        }
        TrainValidationSplit s = TrainValidationSplit.of(pieces, validationFraction, salt);
        try {
            return of(name, s.train(), s.validation(), tokenizer, spec);
        } catch (CorpusException e) {
            // The hash gave the validation side less than one window (a small corpus): move training pieces over, the
            // lowest hash buckets first (so the result stays deterministic), until one validation window fits.
            List<Document> train = new ArrayList<>(s.train());
            List<Document> val = new ArrayList<>(s.validation());
            long need = spec.length() + 1L;
            long valTokens = 0;
            for (Document d : val) {
                valTokens += tokens(d, tokenizer);
            }
            List<Document> byBucket = new ArrayList<>(train);
            byBucket.sort(java.util.Comparator.comparingLong(d -> TrainValidationSplit.bucket(d, salt)));
            for (Document d : byBucket) {
                if (valTokens >= need || train.size() <= 1) {
                    break;
                }
                train.remove(d);
                val.add(d);
                valTokens += tokens(d, tokenizer);
            }
            try {
                return of(name, train, val, tokenizer, spec);
            } catch (CorpusException again) {
                throw tooSmall(name, docs, tokenizer, spec);
            }
        }
    }

    private static SplitWindows of(String name, List<Document> train, List<Document> val, Tokenizer tokenizer,
                                   WindowSpec spec) {
        return new SplitWindows(TokenWindows.build(name + " (training side)", train, tokenizer, spec),
                TokenWindows.build(name + " (validation side)", val, tokenizer, spec), train, val);
    }

    private static long tokens(Document d, Tokenizer tokenizer) {
        return tokenizer.encode(d.prompt()).length + tokenizer.encode(d.text()).length + (d.endOfText() ? 1 : 0);
    }

    private static CorpusException tooSmall(String name, List<Document> docs, Tokenizer tokenizer, WindowSpec spec) {
        long tokens = 0;
        for (Document d : docs) {
            tokens += tokenizer.encode(d.prompt()).length + tokenizer.encode(d.text()).length + (d.endOfText() ? 1 : 0);
        }
        long need = 2L * (spec.length() + 1);
        java.util.Set<String> files = new java.util.LinkedHashSet<>();
        for (Document d : docs) {
            files.add(d.origin().replaceAll("([#@][0-9]+)+$|:[0-9]+$|\\[[0-9]+]$", ""));
        }
        String where = files.isEmpty() ? "" : " (" + String.join(", ", new ArrayList<>(files).subList(0,
                Math.min(2, files.size()))) + (files.size() > 2 ? ", …" : "") + ")";
        return new CorpusException("corpus " + name + where + " has " + tokens + " tokens; one training and one validation "
                + "window of length " + spec.length() + " need at least " + need + " (add text, or lower the sequence "
                + "length)");
    }

    /**
     * Cuts every document longer than {@code maxChars} into pieces of at most that many characters, at the last
     * whitespace before the limit (or at the limit when a piece has none in its second half); the pieces of one
     * document carry no end-of-text between them.
     */
    public static List<Document> cut(List<Document> docs, int maxChars) {
        List<Document> out = new ArrayList<>();
        for (Document d : docs) {
            String t = d.text();
            if (t.length() <= maxChars || !d.prompt().isEmpty()) {
                out.add(d); // instruction records stay whole: the prompt belongs to its answer
                continue;
            }
            int start = 0;
            int n = 0;
            while (start < t.length()) {
                int end = Math.min(t.length(), start + maxChars);
                if (end < t.length()) {
                    int ws = end;
                    while (ws > start + maxChars / 2 && !Character.isWhitespace(t.charAt(ws - 1))) {
                        ws--;
                    }
                    end = ws > start + maxChars / 2 ? ws : end;
                    if (Character.isHighSurrogate(t.charAt(end - 1))) {
                        end--;
                    }
                }
                boolean last = end >= t.length();
                out.add(new Document(d.origin() + "@" + (++n), "", t.substring(start, end), last && d.endOfText()));
                start = end;
            }
        }
        return out;
    }
}
