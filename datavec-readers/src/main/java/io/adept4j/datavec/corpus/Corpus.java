package io.adept4j.datavec.corpus;

import java.util.List;

/**
 * The documents read from one corpus path, with what the reading found.
 *
 * @param name          a short name (file or folder name unless given)
 * @param documents     non-blank documents, in a deterministic order
 * @param files         number of files read
 * @param bytes         raw bytes read (after gunzip)
 * @param replacedBytes bytes that were not valid UTF-8 and were replaced by U+FFFD
 */
public record Corpus(String name, List<Document> documents, int files, long bytes, long replacedBytes) {

    public Corpus {
        documents = List.copyOf(documents);
    }

    /** Number of documents. */
    public int size() {
        return documents.size();
    }
}
