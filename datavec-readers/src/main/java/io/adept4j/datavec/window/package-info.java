/**
 * Documents to training windows and batches: packed or per-document windows with label and input masks, the one
 * train/validation split every command and both model kinds use ({@link io.adept4j.datavec.window.SplitWindows}: long
 * documents cut into pieces, split by content hash), replay mixing, and DataVec/ND4J iterators of next-token
 * {@code DataSet}s.
 */
package io.adept4j.datavec.window;
