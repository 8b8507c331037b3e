/**
 * Arbiter sweeps over ADEPT's knobs: the parameter space, candidates as {@code adept run}s of ADEPT alone, resumable
 * results on disk, the objective and the Pareto front of general retention against domain learning.
 */
package io.adept4j.sweep;
