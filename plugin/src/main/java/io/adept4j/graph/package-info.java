/**
 * ADEPT for DL4J {@code ComputationGraph}s with DL4J's own extension points: residual blocks found or declared, probing
 * by zeroing a block's output projections, expansion by cloning vertices (originals frozen so gradients still flow),
 * unit importance from a {@code TrainingListener}, and split learning rates laid out in DL4J's updater blocks.
 * {@link io.adept4j.graph.AdeptGraph} is the {@code TransferLearning}-shaped builder: graph in, expanded graph and
 * refresh listener out. Shares the method's placement, manifest, granularity, policies and updater with the SameDiff path.
 */
package io.adept4j.graph;
