/**
 * ADEPT Stage 2, what both model kinds share: the tuning settings with every default ({@link
 * io.adept4j.stage2.TuneConfig}), the unit of importance ({@link io.adept4j.stage2.Granularity}) and how each backend
 * lays out a weight ({@link io.adept4j.stage2.WeightLayout}), the named policies ({@link io.adept4j.stage2.Policy}) and
 * their rules (continuous/rank, split, uniform), the one importance → multiplier pipeline
 * ({@link io.adept4j.stage2.LearningRateMultipliers}), and the split-learning-rate {@code IUpdater} that multiplies each
 * unit's update ({@link io.adept4j.stage2.SplitLearningRateUpdater}, state in
 * {@link io.adept4j.stage2.SplitLearningRateGradientUpdater}).
 *
 * <p>A learning-rate multiplier, followed by eye from the config key to the line that scales the update:
 * {@code run.RunConfig#tuneConfig} (key {@code policy} → {@link io.adept4j.stage2.TuneConfig}) →
 * {@code samediff.ImportanceRefresh} (or {@code graph.ImportanceRefreshListener}) →
 * {@link io.adept4j.stage2.LearningRateMultipliers#of} (units, {@link io.adept4j.stage2.Policy#policy}, spread back) →
 * {@link io.adept4j.stage2.SplitLearningRateGradientUpdater#applyUpdater}.
 */
package io.adept4j.stage2;
