/**
 * Text to token ids and back: GPT-2 byte-level BPE cut to a vocabulary size, bytes, and Hugging Face
 * {@code tokenizer.json} through DJL. A {@link io.adept4j.datavec.tokenize.TokenizerSpec} names a tokenizer exactly, so
 * data and models made with different tokenizers are never mixed.
 */
package io.adept4j.datavec.tokenize;
