package io.adept4j.graph;

import io.adept4j.stage1.Placement;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.LrPolicy;
import io.adept4j.stage2.Policy;
import io.adept4j.stage2.SplitPolicy;
import io.adept4j.listeners.PerplexityMonitor.GuardAction;
import io.adept4j.stage2.TuneConfig;
import io.adept4j.train.WarmupCosineSchedule;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ADEPT for a DL4J {@code ComputationGraph}, shaped like {@code TransferLearning.GraphBuilder}: a trained graph in, a
 * configured graph out — its K least general-important blocks copied right after themselves (copies' output zeroed, so
 * it computes what the base computed), every original frozen, the copies training with split learning rates — plus the
 * {@code TrainingListener} that refreshes those learning rates from general-data importance while you train. Then your
 * own {@code fit} with your own listeners:
 *
 * <pre>{@code
 * AdeptGraph.Result adept = new AdeptGraph(base).general(generalIterator).copies(2).refreshEvery(50).build();
 * ComputationGraph graph = adept.graph();
 * graph.setListeners(new ScoreIterationListener(10), adept.refresher()); // the refresher last
 * graph.fit(domainIterator, 3);
 * }</pre>
 *
 * The base graph is not changed. Settings default to {@link TuneConfig}'s defaults; {@link #settings(TuneConfig)}
 * takes the ones a graph can honour and refuses the others by name.
 */
public final class AdeptGraph {

    private static final Logger log = LoggerFactory.getLogger(AdeptGraph.class);

    /**
     * What {@link #build()} made.
     *
     * @param graph     the expanded graph to {@code fit}
     * @param probe     ΔL per block on the general batches
     * @param expansion which blocks were copied, the manifest, and the copy → source maps
     * @param refresher the listener that refreshes the copies' learning-rate multipliers (attach it last), or null
     *                  under the {@code uniform} policy
     */
    public record Result(ComputationGraph graph, ProbeResult probe, GraphExpander.Expansion expansion,
                         ImportanceRefreshListener refresher) {
    }

    private final ComputationGraph base;
    private List<GraphBlock> blocks;
    private List<? extends DataSet> general;
    private DataSetIterator generalIterator;
    private int k = 1;
    private Double learningRate;
    private int refreshEvery = TuneConfig.DEFAULT_REFRESH;
    private Granularity granularity = TuneConfig.DEFAULT_GRANULARITY;
    private Policy policy = TuneConfig.DEFAULT_POLICY;
    private double splitQuantile = TuneConfig.DEFAULT_SPLIT_QUANTILE;
    private double splitHi = TuneConfig.DEFAULT_SPLIT_HI;
    private double splitLo = TuneConfig.DEFAULT_SPLIT_LO;
    private int probeBatches = TuneConfig.DEFAULT_PROBE_BATCHES;
    private boolean initialProbe = TuneConfig.DEFAULT_INITIAL_PROBE;
    private int warmupSteps;
    private int scheduleSteps;
    /** Set by {@link GraphAdept#run}, whose own loop evaluates general validation and can stop. */
    boolean guardByCaller;

    /** Starts from a trained graph with residual blocks ({@link GraphBlocks#find} detects them unless given). */
    public AdeptGraph(ComputationGraph base) {
        if (base == null) {
            throw new IllegalArgumentException("the base graph is null");
        }
        this.base = base;
    }

    /** The graph's blocks, when {@link GraphBlocks#find} cannot tell them ({@link GraphBlocks#declare}). */
    public AdeptGraph blocks(List<GraphBlock> blocks) {
        this.blocks = List.copyOf(blocks);
        return this;
    }

    /**
     * General data: its first {@code probeBatches} batches are probed and scored for importance (read once, in
     * {@link #build()}, so the order of the setters does not matter).
     */
    public AdeptGraph general(DataSetIterator general) {
        this.generalIterator = general;
        this.general = null;
        return this;
    }

    /** General batches: the first {@code probeBatches} are probed and scored for importance. */
    public AdeptGraph general(List<? extends DataSet> general) {
        this.general = List.copyOf(general);
        this.generalIterator = null;
        return this;
    }

    /** How many blocks to copy (K, default 1). */
    public AdeptGraph copies(int k) {
        this.k = k;
        return this;
    }

    /** Learning rate of the copies (default: the one their layers were configured with). */
    public AdeptGraph learningRate(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + lr);
        }
        this.learningRate = lr;
        return this;
    }

    /** Importance refresh interval in iterations (default {@value TuneConfig#DEFAULT_REFRESH}). */
    public AdeptGraph refreshEvery(int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("refreshEvery must be at least 1 iteration, got " + iterations);
        }
        this.refreshEvery = iterations;
        return this;
    }

    /** Unit of importance (default neuron). */
    public AdeptGraph granularity(Granularity g) {
        this.granularity = g;
        return this;
    }

    /** Importance → multiplier policy (default {@value TuneConfig#DEFAULT_POLICY_NAME}). */
    public AdeptGraph policy(Policy p) {
        this.policy = java.util.Objects.requireNonNull(p, "policy");
        return this;
    }

    /** The split policy's quantile and two multipliers (used by {@link Policy#SPLIT}), checked here. */
    public AdeptGraph split(double quantile, double hi, double lo) {
        new SplitPolicy(quantile, hi, lo);
        this.splitQuantile = quantile;
        this.splitHi = hi;
        this.splitLo = lo;
        return this;
    }

    /** General batches per probe and per refresh (default {@value TuneConfig#DEFAULT_PROBE_BATCHES}). */
    public AdeptGraph probeBatches(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("probeBatches must be at least 1, got " + n);
        }
        this.probeBatches = n;
        return this;
    }

    /** Multipliers from importance before the first step (default: uniform until the first refresh, the paper). */
    public AdeptGraph initialProbe(boolean on) {
        this.initialProbe = on;
        return this;
    }

    /**
     * Takes what a graph honours from tuning settings shared with a SameDiff model: learning rate with its warm-up and
     * cosine decay over {@code steps} iterations, refresh interval, initial probe, granularity, policy (with its split
     * bounds) and probe batches. Refused by name, because DL4J would not apply them as the SameDiff trainer does:
     * weight decay (applied after the updater, outside the split learning rates), global gradient-norm clipping
     * (configure DL4J's per-layer {@code gradientNormalization} instead), replay (mix general batches into your domain
     * iterator) and the forgetting guard's {@code stop} (attach your own early-stopping listener).
     */
    public AdeptGraph settings(TuneConfig t) {
        List<String> refused = new ArrayList<>();
        if (t.weightDecay() > 0) {
            refused.add("weightDecay " + t.weightDecay() + " (DL4J applies decay after the updater, outside the split learning rates)");
        }
        if (t.clipNorm() > 0) {
            refused.add("clipNorm " + t.clipNorm() + " (use DL4J's per-layer gradientNormalization)");
        }
        if (t.replayWeight() > 0) {
            refused.add("replayWeight " + t.replayWeight() + " (mix general batches into the domain iterator)");
        }
        if (t.guard() == GuardAction.STOP && !guardByCaller) {
            refused.add("guard stop (attach an early-stopping listener of your own)");
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("not honoured on a ComputationGraph: " + String.join("; ", refused)
                    + "; set them to 0/off in the settings");
        }
        learningRate(t.learningRate());
        refreshEvery(t.refreshEvery());
        initialProbe(t.initialProbe());
        granularity(t.granularity());
        this.policy = t.policy(); // with its split bounds, checked by TuneConfig
        this.splitQuantile = t.splitQuantile();
        this.splitHi = t.splitHi();
        this.splitLo = t.splitLo();
        probeBatches(t.probeBatches());
        this.warmupSteps = t.warmupSteps();
        this.scheduleSteps = t.steps();
        return this;
    }

    /** Probes, expands and wires the split learning rates; returns the graph to train and its refresh listener. */
    public Result build() {
        if (general == null && generalIterator != null) {
            general = GraphProber.take(generalIterator, probeBatches);
        }
        if (general == null || general.isEmpty()) {
            throw new IllegalArgumentException("no general batches: call general(...) with the data whose competence must "
                    + "be kept");
        }
        GraphAdept.requireNoPostUpdaterDecay(base);
        List<GraphBlock> bs = blocks != null ? blocks : GraphBlocks.find(base);
        Placement.requireK(k, bs.size());
        List<? extends DataSet> probeSet = general.subList(0, Math.min(probeBatches, general.size()));
        ProbeResult probe = new GraphProber(probeBatches).probe(base, bs, probeSet);
        for (ProbeResult.Layer l : probe.layers()) {
            log.debug("probe: block {} ({}) ΔL {} ± {}", l.index(), bs.get(l.index()).output(), l.deltaLoss(), l.stdErr());
        }
        org.nd4j.linalg.schedule.ISchedule copyLr = learningRate == null ? null
                : warmupSteps > 0 && scheduleSteps > 0 // the SameDiff trainer's schedule, over the settings' steps
                ? new WarmupCosineSchedule(learningRate, warmupSteps, scheduleSteps, 0.1)
                : new org.nd4j.linalg.schedule.FixedSchedule(learningRate);
        GraphExpander.Expansion ex = GraphExpander.expand(base, bs, Placement.lowestDelta(probe, k),
                (org.nd4j.linalg.dataset.DataSet) probeSet.get(0), copyLr);
        ComputationGraph cg = ex.graph();
        ImportanceRefreshListener refresher = null;
        if (policy.decoupled()) {
            Map<String, INDArray> seeds = GraphImportance.seedImportance(base, probeSet, ex.seedFrom());
            LrPolicy p = policy.policy(splitQuantile, splitHi, splitLo);
            refresher = new ImportanceRefreshListener(probeSet, ex.manifest().trainableTensors(), seeds, granularity, p,
                    refreshEvery);
            if (initialProbe) {
                refresher.refresh(cg);
            }
        }
        return new Result(cg, probe, ex, refresher);
    }
}
