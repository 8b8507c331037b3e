/**
 * The main job: a base model (given, or pretrained on the general corpus and cached with its provenance), one probe,
 * then ADEPT, its ablations and the baselines as registered {@link io.adept4j.run.Method}s on the same base, data,
 * token budget and seed, evaluated the same way; the run's typed configuration with every key's default; and the memo
 * through which runs of one JVM (a sweep's candidates) measure each replicate's base once.
 */
package io.adept4j.run;
