/**
 * ADEPT on the SameDiff causal language model ({@link io.adept4j.model.CausalLm}): the layer probe (ΔL of each skipped
 * block on general training text), the function-preserving expansion (copies with zeroed output projections), unit
 * importance from {@code lossAndGradients} on general probe batches, one importance refresh into the split-learning-rate
 * updaters, and the decoupled-tuning loop ({@link io.adept4j.samediff.AdeptTrainer}) with its data split, validation,
 * forgetting guard and resumable checkpoints. Shares {@code stage1} and {@code stage2} with the DL4J graph path and
 * never imports it.
 */
package io.adept4j.samediff;
