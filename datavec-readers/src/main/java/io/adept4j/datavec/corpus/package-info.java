/**
 * Corpora as documents: text, JSONL and JSON files, folders and gzip, read into {@link io.adept4j.datavec.corpus.Document}s
 * with their origin for messages. A plain-text file is read as its paragraphs (pieces with no end-of-text between them),
 * files that are not text are refused by name, and invalid UTF-8 is replaced and counted. Knows nothing of tokens.
 */
package io.adept4j.datavec.corpus;
