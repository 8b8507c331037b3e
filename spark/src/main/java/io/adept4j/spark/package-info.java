/**
 * Scale-out on Apache Spark. {@link io.adept4j.spark.SparkCandidates} runs a sweep's candidates as Spark tasks behind the
 * plugin's {@code CandidateExecutor}, so {@code SweepRunner} keeps its generator, time budget, resumption and Pareto
 * front unchanged. {@link io.adept4j.spark.SparkProbing} computes the passes over general text that are sums over
 * batches (the layer probe's ΔL, the gradient sums behind unit importance) on executors and combines them exactly as
 * one machine would. {@link io.adept4j.spark.SparkAdeptGraph} trains a DL4J {@code ComputationGraph} expanded by
 * {@code AdeptGraph} data-parallel with DL4J's own {@code SparkComputationGraph}. {@link io.adept4j.spark.SparkContexts}
 * starts the context they share, on a local, standalone or YARN master, with executors set up as the driver runs.
 */
package io.adept4j.spark;
