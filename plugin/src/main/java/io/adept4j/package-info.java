/**
 * adept4j's entry point: {@link io.adept4j.Adept} runs ADEPT's four steps on a SameDiff language model or a DL4J
 * {@code ComputationGraph} with the same settings. The packages below it: {@code model} (the language model, no ADEPT),
 * {@code train} (pretraining and the optimizer step, no ADEPT), {@code stage1} (probe and expansion), {@code stage2}
 * (unit importance, learning-rate policies, the split-learning-rate updater, decoupled tuning), {@code graph} (the same
 * for DL4J graphs), {@code run} (the comparison with baselines), {@code sweep}, {@code eval}, {@code report} and
 * {@code hf} (Hugging Face checkpoints).
 */
package io.adept4j;
