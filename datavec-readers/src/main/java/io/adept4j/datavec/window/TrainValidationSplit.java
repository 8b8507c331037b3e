package io.adept4j.datavec.window;

import io.adept4j.datavec.corpus.Document;

import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic train/validation split by a hash of each document's content: the same document always lands on the
 * same side, whatever the file order, machine or run. A salt gives a different but equally stable split.
 *
 * @param train      training documents, in input order
 * @param validation validation documents, in input order
 */
public record TrainValidationSplit(List<Document> train, List<Document> validation) {

    private static final long BUCKETS = 1_000_000L;

    /**
     * Splits {@code docs} so that about {@code validationFraction} of them are for validation.
     *
     * <p>When the hash leaves one side empty although two or more documents exist (tiny corpora), the document with the
     * smallest hash moves to the empty side, so both sides always exist; a single document cannot be split by document
     * and is rejected with an explanation.
     */
    public static TrainValidationSplit of(List<Document> docs, double validationFraction, long salt) {
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0,1), got " + validationFraction);
        }
        List<Document> train = new ArrayList<>();
        List<Document> val = new ArrayList<>();
        if (validationFraction == 0) {
            return new TrainValidationSplit(docs, List.of());
        }
        if (docs.size() < 2) {
            throw new IllegalArgumentException("cannot split a corpus of " + docs.size() + " document(s) into train and "
                    + "validation by document; give a folder or a JSONL file with several documents");
        }
        long threshold = Math.round(validationFraction * BUCKETS);
        Document smallest = null;
        long smallestBucket = Long.MAX_VALUE;
        for (Document d : docs) {
            long bucket = bucket(d, salt);
            (bucket < threshold ? val : train).add(d);
            if (bucket < smallestBucket) {
                smallestBucket = bucket;
                smallest = d;
            }
        }
        if (val.isEmpty()) {
            train.remove(smallest);
            val.add(smallest);
        } else if (train.isEmpty()) {
            val.remove(smallest);
            train.add(smallest);
        }
        return new TrainValidationSplit(train, val);
    }

    /** The document's stable bucket in [0, 1,000,000): below {@code fraction × 10⁶} it is validation. */
    static long bucket(Document d, long salt) {
        long h = d.contentHash() ^ (salt * 0x9E3779B97F4A7C15L);
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return Math.floorMod(h, BUCKETS);
    }
}
