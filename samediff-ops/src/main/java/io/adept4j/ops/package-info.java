/**
 * SameDiff graph surgery that knows nothing of ADEPT: declared residual blocks, bypassing a block, cloning a block with
 * chosen tensors zeroed, freezing variables, embeddings by one-hot products (M2.1's gather gradient is wrong), and
 * native-memory housekeeping. Useful to any SameDiff user.
 */
package io.adept4j.ops;
