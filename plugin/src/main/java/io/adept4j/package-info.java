/**
 * adept4j's entry point: {@link io.adept4j.Adept} runs ADEPT's four steps on a SameDiff language model or a DL4J
 * {@code ComputationGraph} with the same settings. The packages below it: {@code model} (the language model, no ADEPT),
 * {@code train} (pretraining and the optimizer step, no ADEPT), {@code stage1} and {@code stage2} (what both model
 * kinds share: placement, probe result, manifest; settings, granularity, policies, the importance → multiplier pipeline,
 * the split-learning-rate updater), {@code samediff} (ADEPT on the language model) and {@code graph} (ADEPT on DL4J
 * graphs), neither importing the other, {@code run} (the comparison with baselines), {@code sweep}, {@code eval}, {@code report} and
 * {@code hf} (Hugging Face checkpoints).
 */
package io.adept4j;
