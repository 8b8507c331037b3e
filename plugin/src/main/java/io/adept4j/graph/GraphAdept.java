package io.adept4j.graph;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.adept4j.listeners.PerplexityMonitor;
import io.adept4j.listeners.ProgressMeter;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.stage2.TuneConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The four ADEPT steps on a DL4J {@code ComputationGraph}: probe its blocks on general data ({@link GraphProber}),
 * copy the K least important ({@link GraphExpander}), and train only the copies on domain data with split learning
 * rates refreshed from general-data importance ({@link ImportanceRefreshListener}). The base graph is not changed.
 */
public final class GraphAdept {

    private static final Logger log = LoggerFactory.getLogger(GraphAdept.class);

    /** A point of a loss curve. */
    public record Point(int step, double loss) {
    }

    /**
     * What a run did.
     *
     * @param generalBefore mean loss on the general validation batches before tuning (the base's: expansion preserves it)
     * @param domainBefore  the same on the domain validation batches
     */
    public record Result(ProbeResult probe, GraphExpander.Expansion expansion, ComputationGraph model,
                         double generalBefore, double domainBefore, double generalAfter, double domainAfter,
                         List<Point> trainCurve, List<ImportanceRefreshListener.Refresh> refreshes, int steps,
                         double trainSeconds) {
    }

    private GraphAdept() {
    }

    /**
     * Runs ADEPT.
     *
     * @param blocks  the graph's blocks (null: found automatically with {@link GraphBlocks#find})
     * @param k       blocks to copy
     * @param general general-corpus batches: the first {@code probeBatches} for probe and importance, the next
     *                {@code evalBatches} for general validation (disjoint)
     * @param domain  domain training batches (cycled for {@code cfg.steps()} iterations)
     * @param domainValidation domain validation batches
     * @param cfg     the same tuning settings as for a SameDiff model: steps, learning rate of the copies, refresh
     *                interval, initial probe, granularity, policy, probe and validation batch counts
     */
    public static Result run(ComputationGraph base, List<GraphBlock> blocks, int k, DataSetIterator general,
                             DataSetIterator domain, DataSetIterator domainValidation, TuneConfig cfg) {
        // probe and importance on the first batches, general validation on the next ones: never the same batches
        List<DataSet> generalBatches = GraphProber.take(general, cfg.probeBatches() + Math.max(1, cfg.evalBatches()));
        if (generalBatches.size() <= cfg.probeBatches()) {
            throw new IllegalArgumentException("the general iterator gave " + generalBatches.size() + " batches; ADEPT "
                    + "needs " + cfg.probeBatches() + " for probing and importance plus at least one more for general "
                    + "validation (they must not share batches): give more general data or lower probeBatches");
        }
        List<DataSet> probeBatches = generalBatches.subList(0, cfg.probeBatches());
        List<DataSet> generalVal = generalBatches.subList(cfg.probeBatches(), generalBatches.size());
        List<DataSet> domainVal = GraphProber.take(domainValidation, cfg.evalBatches());
        if (domainVal.isEmpty()) {
            throw new IllegalArgumentException("the domain validation iterator gave no batches");
        }
        List<GraphBlock> bs = blocks != null ? blocks : GraphBlocks.find(base);
        AdeptGraph adept = new AdeptGraph(base).blocks(bs).general(probeBatches).copies(k);
        adept.guardByCaller = true; // this loop runs the forgetting guard on its general validation batches
        AdeptGraph.Result a = adept.settings(cfg).build();
        GraphExpander.Expansion ex = a.expansion();
        for (ProbeResult.Layer l : a.probe().layers()) {
            log.info(String.format("[adept-graph] probe: block %d (%s)  ΔL %+.4f ± %.4f", l.index(), bs.get(l.index()).output(),
                    l.deltaLoss(), l.stdErr()));
        }
        log.info(String.format("[adept-graph] copied blocks %s -> %d blocks; max |output diff| %.2e; %d trainable parameters",
                ex.manifest().sources(), ex.blocks().size(), ex.manifest().maxAbsLogitDiff(),
                ex.manifest().trainableTensors().stream().mapToLong(t -> ex.graph().getParam(t).length()).sum()));
        ComputationGraph cg = a.graph();
        double gBefore = meanScore(cg, generalVal);
        double dBefore = meanScore(cg, domainVal);
        PerplexityMonitor guard = new PerplexityMonitor(() -> meanScore(cg, generalVal), () -> meanScore(cg, domainVal),
                Math.max(1, cfg.evalEvery() > 0 ? cfg.evalEvery() : cfg.steps()), cfg.forgettingMargin(), cfg.guard());
        guard.evaluate(0);
        List<TrainingListener> listeners = new ArrayList<>();
        Collection<TrainingListener> existing = cg.getListeners();
        if (existing != null) {
            listeners.addAll(existing);
        }
        double[] lastLoss = {Double.NaN};
        listeners.add(new org.deeplearning4j.optimize.api.BaseTrainingListener() {
            @Override
            public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
                lastLoss[0] = model.score(); // the domain batch's loss, read before a refresh replaces it
            }
        });
        if (a.refresher() != null) {
            listeners.add(a.refresher()); // last: see its Javadoc
        }
        cg.setListeners(listeners);
        List<Point> curve = new ArrayList<>();
        ProgressMeter meter = new ProgressMeter("adept-graph", 0, cfg.steps(), log);
        long t0 = System.nanoTime();
        int every = Math.max(1, cfg.evalEvery());
        int done = 0;
        for (int step = 1; step <= cfg.steps(); step++) {
            if (!domain.hasNext()) {
                if (!domain.resetSupported()) {
                    throw new IllegalArgumentException("the domain iterator ran out after " + (step - 1)
                            + " steps and cannot be reset");
                }
                domain.reset();
                if (!domain.hasNext()) {
                    throw new IllegalArgumentException("the domain iterator gives no batches");
                }
            }
            DataSet b = domain.next();
            cg.fit(b);
            double loss = lastLoss[0];
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("training loss became " + loss + " at step " + step
                        + "; lower the learning rate (" + cfg.learningRate() + ")");
            }
            done = step;
            meter.addTokens(b.numExamples());
            curve.add(new Point(step, loss));
            if (step % every == 0 || step == cfg.steps()) {
                meter.print(step, String.format("loss %.4f", loss), "ex");
            }
            String stop = step < cfg.steps() ? guard.afterStep(step) : null;
            if (stop != null) {
                log.info("[adept-graph] stopping early: " + stop);
                break;
            }
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        cg.setListeners(existing == null ? List.of() : new ArrayList<>(existing));
        double gAfter = meanScore(cg, generalVal);
        double dAfter = meanScore(cg, domainVal);
        List<ImportanceRefreshListener.Refresh> refreshes = a.refresher() == null ? List.of() : a.refresher().refreshes();
        log.info(String.format("[adept-graph] general loss %.4f -> %.4f, domain loss %.4f -> %.4f, %d refreshes, %.1f s",
                gBefore, gAfter, dBefore, dAfter, refreshes.size(), trainSeconds));
        return new Result(a.probe(), ex, cg, gBefore, dBefore, gAfter, dAfter, curve, refreshes, done, trainSeconds);
    }

    /**
     * DL4J applies weight decay after the updater, outside the split learning rates, so a general-critical unit with
     * multiplier 0 would still shrink: such a configuration is refused by name rather than silently half-protected.
     */
    static void requireNoPostUpdaterDecay(ComputationGraph cg) {
        for (org.deeplearning4j.nn.api.Layer l : cg.getLayers()) {
            if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer bl) {
                List<org.nd4j.linalg.learning.regularization.Regularization> regs = new ArrayList<>();
                if (bl.getRegularization() != null) {
                    regs.addAll(bl.getRegularization());
                }
                if (bl.getRegularizationBias() != null) {
                    regs.addAll(bl.getRegularizationBias());
                }
                for (org.nd4j.linalg.learning.regularization.Regularization r : regs) {
                    if (r.applyStep() == org.nd4j.linalg.learning.regularization.Regularization.ApplyStep.POST_UPDATER) {
                        throw new IllegalArgumentException("layer '" + l.conf().getLayer().getLayerName() + "' has "
                                + r.getClass().getSimpleName() + ", which DL4J applies after the updater, where the "
                                + "split learning rates cannot scale it (a unit with multiplier 0 would still decay); "
                                + "remove weightDecay from the graph's configuration (l2 is applied before the updater "
                                + "and is fine)");
                    }
                }
            }
        }
    }

    static double meanScore(ComputationGraph cg, List<DataSet> batches) {
        double s = 0;
        for (DataSet b : batches) {
            s += cg.score(b, false);
        }
        return s / batches.size();
    }
}
