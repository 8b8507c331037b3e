/**
 * Scale-out on Apache Spark: {@link io.adept4j.spark.SparkCandidates} runs a sweep's candidates as Spark tasks behind
 * the plugin's {@code CandidateExecutor}, so {@code SweepRunner} keeps its generator, time budget, resumption and Pareto
 * front unchanged.
 */
package io.adept4j.spark;
