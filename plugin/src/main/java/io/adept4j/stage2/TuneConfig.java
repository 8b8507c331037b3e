package io.adept4j.stage2;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.adept4j.listeners.PerplexityMonitor.GuardAction;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings of ADEPT's decoupled tuning, validated on construction.
 *
 * @param steps          optimizer steps on the domain corpus
 * @param batchSize      windows per step
 * @param learningRate   base learning rate (peak of warm-up + cosine)
 * @param warmupSteps    linear warm-up steps
 * @param weightDecay    decoupled weight decay of the copies' matrices, scaled by each unit's multiplier
 * @param clipNorm       global gradient-norm clip (≤ 0 = off)
 * @param refreshEvery   recompute importance and multipliers every N steps (the reference: 500)
 * @param initialProbe   compute multipliers before the first step (else uniform 1 until the first refresh, as the
 *                       reference)
 * @param granularity    unit of importance: tensor, neuron or element
 * @param policy         importance → multiplier rule ({@link Policy}: rank, continuous, their global forms, split, or
 *                       uniform for the baselines without decoupled learning rates)
 * @param splitQuantile  split policy: importance quantile above which units are general-critical, in (0, 1)
 * @param splitHi        split policy: multiplier of domain-adaptive units (≥ 0)
 * @param splitLo        split policy: multiplier of general-critical units (≥ 0)
 * @param probeBatches   general probe batches per importance refresh
 * @param evalEvery      general and domain validation every N steps (≤ 0 = only at the ends)
 * @param evalBatches    batches per periodic validation
 * @param replayWeight   share of general windows mixed into the domain batches (0 = none)
 * @param seed           seed of data order and split
 * @param forgettingMargin forgetting guard: allowed rise of the general validation loss over its start, nats/token
 * @param guard          what the guard does beyond the margin: {@code off}, {@code warn} or {@code stop} (the run
 *                       then ends early, keeps what it trained and says so in its result)
 * <p>Construct with {@link #builder} (every setting named) or {@link #defaults}; the record validates itself once, so a
 * {@code TuneConfig} that exists is one both model kinds can run.
 */
public record TuneConfig(
        @JsonProperty("steps") int steps,
        @JsonProperty("batchSize") int batchSize,
        @JsonProperty("learningRate") double learningRate,
        @JsonProperty("warmupSteps") int warmupSteps,
        @JsonProperty("weightDecay") double weightDecay,
        @JsonProperty("clipNorm") double clipNorm,
        @JsonProperty("refreshEvery") int refreshEvery,
        @JsonProperty("initialProbe") boolean initialProbe,
        @JsonProperty("granularity") Granularity granularity,
        @JsonProperty("policy") Policy policy,
        @JsonProperty("splitQuantile") double splitQuantile,
        @JsonProperty("splitHi") double splitHi,
        @JsonProperty("splitLo") double splitLo,
        @JsonProperty("probeBatches") int probeBatches,
        @JsonProperty("evalEvery") int evalEvery,
        @JsonProperty("evalBatches") int evalBatches,
        @JsonProperty("replayWeight") double replayWeight,
        @JsonProperty("seed") long seed,
        @JsonProperty("forgettingMargin") double forgettingMargin,
        @JsonProperty("guard") GuardAction guard) {

    // Every default of decoupled tuning, stated once: TuneConfig.defaults, adept run's key table and adept tune's
    // options all read these.
    /** The reference implementation's refresh interval. */
    public static final int DEFAULT_REFRESH = 500;
    /**
     * Runs shorter than {@code 3 ×} {@link #DEFAULT_REFRESH} steps refresh every third of the run (at one third and two
     * thirds): uniform multipliers for the first third, as the reference's warm phase, and a refresh cost bounded to
     * two gradient passes over the probe batches per run (four refreshes at every quarter cost 32 % of a 25-step demo
     * run's training time).
     */
    public static final int SHORT_RUN_REFRESH_DIVISOR = 3;
    /** Base learning rate (peak of warm-up + cosine). */
    public static final double DEFAULT_LEARNING_RATE = 3e-3;
    /** Multipliers stay 1 until the first refresh, as in the reference (no importance before step 0). */
    public static final boolean DEFAULT_INITIAL_PROBE = false;
    /** Unit of importance: one per output neuron, the method figure's "unit-wise neuron decoupling". */
    public static final String DEFAULT_GRANULARITY_NAME = "neuron";
    /** {@link #DEFAULT_GRANULARITY_NAME} as the enum. */
    public static final Granularity DEFAULT_GRANULARITY = Granularity.parse(DEFAULT_GRANULARITY_NAME);
    /**
     * The paper's mapping m = 2·(1 − Ĩ) with Ĩ the rank of a unit's importance within its tensor: every tensor keeps
     * general-critical (m near 0) and domain-adaptive (m near 2) neurons and the mean multiplier is 1. Min–max
     * normalisation leaves many neurons near m = 2 because importance is heavy-tailed (measured by
     * ShippedBaseTest on the shipped base: 79 % of a copy's neuron multipliers in [0.25, 1.75] with rank (mean 1.00),
     * 75 % with min–max per tensor (mean 1.42), 9 % with the reference code's global min–max (mean 1.94)).
     */
    public static final String DEFAULT_POLICY_NAME = "rank";
    /** {@link #DEFAULT_POLICY_NAME} as the enum. */
    public static final Policy DEFAULT_POLICY = Policy.parse(DEFAULT_POLICY_NAME);
    /** Split policy: the median separates general-critical from domain-adaptive units. */
    public static final double DEFAULT_SPLIT_QUANTILE = 0.5;
    /** Split policy: multiplier of domain-adaptive units. */
    public static final double DEFAULT_SPLIT_HI = 2.0;
    /** Split policy: multiplier of general-critical units. */
    public static final double DEFAULT_SPLIT_LO = 0.1;
    /** General probe batches per importance refresh. */
    public static final int DEFAULT_PROBE_BATCHES = 4;
    /** Batches per periodic validation of each corpus. */
    public static final int DEFAULT_EVAL_BATCHES = 6;
    /** Forgetting-guard action: warn once, keep training (a user asks for {@code stop}). */
    public static final String DEFAULT_GUARD_NAME = "warn";
    /** {@link #DEFAULT_GUARD_NAME} as the enum. */
    public static final GuardAction DEFAULT_GUARD = GuardAction.parse(DEFAULT_GUARD_NAME);
    /** Default forgetting margin: a rise of 1 nat per token (general perplexity × e) is worth a warning. */
    public static final double DEFAULT_FORGETTING_MARGIN = 1.0;

    public TuneConfig {
        List<String> p = new ArrayList<>();
        if (steps < 1) {
            p.add("'steps' must be at least 1, got " + steps);
        }
        if (batchSize < 1) {
            p.add("'batchSize' must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            p.add("'learningRate' must be a positive number, got " + learningRate);
        }
        if (refreshEvery < 1) {
            p.add("'refreshEvery' must be at least 1, got " + refreshEvery);
        }
        if (policy == null) {
            p.add("'policy' must be one of " + java.util.Arrays.stream(Policy.values()).map(Policy::configName).toList());
        } else if (policy == Policy.SPLIT) {
            try {
                new SplitPolicy(splitQuantile, splitHi, splitLo); // its bounds, checked here rather than at the first refresh
            } catch (IllegalArgumentException e) {
                p.add(e.getMessage());
            }
        }
        if (granularity == null) {
            p.add("'granularity' must be tensor, neuron or element");
        }
        if (!(forgettingMargin >= 0)) {
            p.add("'forgettingMargin' must be >= 0 nats, got " + forgettingMargin);
        }
        if (guard == null) {
            p.add("'guard' must be off, warn or stop");
        }
        if (probeBatches < 1) {
            p.add("'probeBatches' must be at least 1, got " + probeBatches);
        }
        if (!(replayWeight >= 0 && replayWeight < 1)) {
            p.add("'replayWeight' must be in [0,1), got " + replayWeight);
        }
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid tuning settings: " + String.join("; ", p));
        }
    }

    /** Defaults for a budget: rank policy, neuron units, refresh every 500 steps (or every third of short runs). */
    public static TuneConfig defaults(int steps, int batchSize, long seed) {
        int refresh = Math.min(DEFAULT_REFRESH, Math.max(1,
                (steps + SHORT_RUN_REFRESH_DIVISOR - 1) / SHORT_RUN_REFRESH_DIVISOR));
        int every = Math.max(5, steps / 8);
        return new TuneConfig(steps, batchSize, DEFAULT_LEARNING_RATE, Math.max(1, steps / 20), 0.0, 1.0, refresh,
                DEFAULT_INITIAL_PROBE, DEFAULT_GRANULARITY, DEFAULT_POLICY, DEFAULT_SPLIT_QUANTILE, DEFAULT_SPLIT_HI,
                DEFAULT_SPLIT_LO, DEFAULT_PROBE_BATCHES, every, DEFAULT_EVAL_BATCHES, 0.0, seed, DEFAULT_FORGETTING_MARGIN,
                DEFAULT_GUARD);
    }

    /** A builder starting from {@link #defaults} for that budget; every setter names one setting. */
    public static Builder builder(int steps, int batchSize, long seed) {
        return new Builder(defaults(steps, batchSize, seed));
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Typed, named construction of {@link TuneConfig} (the record validates everything once, in {@link #build()}):
     * {@code TuneConfig.builder(500, 16, 42).learningRate(1e-3).policy("rank").build()}.
     */
    public static final class Builder {
        private int steps;
        private int batchSize;
        private double learningRate;
        private int warmupSteps;
        private double weightDecay;
        private double clipNorm;
        private int refreshEvery;
        private boolean initialProbe;
        private Granularity granularity;
        private Policy policy;
        private double splitQuantile;
        private double splitHi;
        private double splitLo;
        private int probeBatches;
        private int evalEvery;
        private int evalBatches;
        private double replayWeight;
        private long seed;
        private double forgettingMargin;
        private GuardAction guard;

        private Builder(TuneConfig c) {
            steps = c.steps;
            batchSize = c.batchSize;
            learningRate = c.learningRate;
            warmupSteps = c.warmupSteps;
            weightDecay = c.weightDecay;
            clipNorm = c.clipNorm;
            refreshEvery = c.refreshEvery;
            initialProbe = c.initialProbe;
            granularity = c.granularity;
            policy = c.policy;
            splitQuantile = c.splitQuantile;
            splitHi = c.splitHi;
            splitLo = c.splitLo;
            probeBatches = c.probeBatches;
            evalEvery = c.evalEvery;
            evalBatches = c.evalBatches;
            replayWeight = c.replayWeight;
            seed = c.seed;
            forgettingMargin = c.forgettingMargin;
            guard = c.guard;
        }

        /** Base learning rate (peak of warm-up + cosine). */
        public Builder learningRate(double v) { learningRate = v; return this; }

        /** Optimizer steps (warm-up, refresh interval and evaluation interval stay as they are). */
        public Builder steps(int v) { steps = v; return this; }

        /** Linear warm-up steps. */
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }

        /** Decoupled weight decay of the trained matrices, scaled by each unit's multiplier. */
        public Builder weightDecay(double v) { weightDecay = v; return this; }

        /** Global gradient-norm clip (≤ 0 = off). */
        public Builder clipNorm(double v) { clipNorm = v; return this; }

        /** Importance refresh interval in steps. */
        public Builder refreshEvery(int v) { refreshEvery = v; return this; }

        /** Multipliers from importance before the first step. */
        public Builder initialProbe(boolean v) { initialProbe = v; return this; }

        /** Unit of importance. */
        public Builder granularity(Granularity v) { granularity = v; return this; }

        /** Importance → multiplier rule. */
        public Builder policy(Policy v) { policy = v; return this; }

        /** The split policy's quantile and multipliers. */
        public Builder split(double quantile, double hi, double lo) {
            splitQuantile = quantile;
            splitHi = hi;
            splitLo = lo;
            return this;
        }

        /** The split policy in its one-number form, {@link SplitPolicy#ofRatio} at the median. */
        public Builder lrRatio(double ratio) {
            SplitPolicy p = SplitPolicy.ofRatio(DEFAULT_SPLIT_QUANTILE, ratio);
            policy = Policy.SPLIT;
            return split(p.quantile(), p.hi(), p.lo());
        }

        /** General probe batches per importance refresh. */
        public Builder probeBatches(int v) { probeBatches = v; return this; }

        /** Validation every N steps and batches per validation. */
        public Builder evaluation(int every, int batches) {
            evalEvery = every;
            evalBatches = batches;
            return this;
        }

        /** Seed of data order and split. */
        public Builder seed(long v) { seed = v; return this; }

        /** Share of general windows mixed into the domain batches. */
        public Builder replayWeight(double v) { replayWeight = v; return this; }

        /** The forgetting guard: margin in nats per token and action (off, warn, stop). */
        public Builder guard(double margin, GuardAction action) {
            forgettingMargin = margin;
            guard = action;
            return this;
        }

        /** The validated settings. */
        public TuneConfig build() {
            return new TuneConfig(steps, batchSize, learningRate, warmupSteps, weightDecay, clipNorm, refreshEvery,
                    initialProbe, granularity, policy, splitQuantile, splitHi, splitLo, probeBatches, evalEvery,
                    evalBatches, replayWeight, seed, forgettingMargin, guard);
        }
    }

    /** The LR policy these settings name. */
    public LrPolicy lrPolicy() {
        return policy.policy(splitQuantile, splitHi, splitLo);
    }

    /** Whether units get different learning rates (false for the uniform policy: no importance is computed). */
    public boolean decoupled() {
        return policy.decoupled();
    }
}
