package io.adept4j.samediff;

import io.adept4j.stage2.SplitLearningRateUpdater;
import io.adept4j.stage2.SplitLearningRateGradientUpdater;
import io.adept4j.stage2.TuneConfig;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.eval.Perplexity;
import io.adept4j.listeners.AtomicDirectory;
import io.adept4j.listeners.PerplexityMonitor;
import io.adept4j.listeners.ProgressMeter;
import io.adept4j.model.CausalLm;
import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.train.ParameterOptimizer;
import io.adept4j.train.TrainingCheckpoint;
import io.adept4j.train.Pretrainer.Point;
import io.adept4j.train.WarmupCosineSchedule;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * ADEPT's Stage 2b: trains only the expanded copies on the DOMAIN corpus with a {@link SplitLearningRateUpdater},
 * recomputing unit importance on GENERAL probe batches and the per-unit multipliers every {@code refreshEvery} steps.
 * Tracks general and domain validation perplexity as it goes.
 */
public final class AdeptTrainer {

    /** One unit summary of a refresh: a tensor's importance and multiplier (min/mean/max for neuron/element units). */
    public record UnitSummary(String name, double importanceMean, double multiplierMin, double multiplierMean,
                              double multiplierMax, String seededFrom) {
    }

    /** One importance refresh. */
    public record Refresh(int step, List<UnitSummary> units) {
    }

    /**
     * What a tuning run did. {@code stoppedEarly} names why training ended before its budget (the forgetting guard),
     * or is null.
     */
    public record Result(TuneConfig settings, long parameters, long trainableParameters, List<Point> generalCurve,
                         List<Point> domainCurve, List<Point> trainCurve, List<Refresh> refreshes,
                         Perplexity.Result generalBefore, Perplexity.Result domainBefore,
                         Perplexity.Result generalAfter, Perplexity.Result domainAfter, double wallSeconds,
                         double trainSeconds, double tokensPerSecond, int stepsDone, String stoppedEarly,
                         Map<String, double[]> finalMultipliers, double refreshSeconds, double updateSeconds) {
    }

    private final TuneConfig cfg;
    private Logger log = LoggerFactory.getLogger(AdeptTrainer.class);
    private Perplexity.Result knownGeneralBefore;
    /** Per-unit multipliers of the latest refresh, by tensor (empty before any). */
    private Map<String, double[]> lastMultipliers = new LinkedHashMap<>();
    private Perplexity.Result knownDomainBefore;

    private Map<String, INDArray> frozenMask = Map.of();
    private Path checkpointDir;
    private int checkpointEvery;
    private boolean resume;
    private int stopAfter;
    private int finalEvalBatches;
    private BiFunction<CausalLm, List<DataSet>, UnitImportance.GeneralGradients> generalGradients =
            UnitImportance::onBatches;

    /** A trainer with these settings; it logs its progress through SLF4J. */
    public AdeptTrainer(TuneConfig cfg) {
        this.cfg = cfg;
    }

    /** Logs nothing (e.g. the runs of a learning-rate search, summarised by their caller). */
    public AdeptTrainer quiet() {
        this.log = org.slf4j.helpers.NOPLogger.NOP_LOGGER;
        return this;
    }

    /**
     * Writes a checkpoint (trained tensors, optimizer state with the LR multipliers, curves, refreshes) into
     * {@code dir} every {@code every} steps and at the end, atomically ({@link AtomicDirectory}).
     */
    public AdeptTrainer withCheckpoints(Path dir, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("checkpoint interval must be at least 1 step, got " + every);
        }
        this.checkpointDir = dir;
        this.checkpointEvery = every;
        return this;
    }

    /**
     * Continues from the checkpoint set by {@link #withCheckpoints} (same settings, same model and data): the
     * resumed run takes exactly the steps the uninterrupted one would have taken.
     */
    public AdeptTrainer resuming(boolean resume) {
        this.resume = resume;
        return this;
    }

    /**
     * Fixed per-element multipliers for some of the trained tensors, set once before the first step: 0 keeps an
     * element frozen (its decoupled weight decay too), 1 trains it. For methods that freeze parts of a tensor (a column
     * shield); refused with decoupled learning rates, whose refreshes would replace them.
     */
    public AdeptTrainer withFrozenMask(Map<String, INDArray> mask) {
        if (!mask.isEmpty() && cfg.decoupled()) {
            throw new IllegalArgumentException("a frozen mask needs the uniform policy (decoupled learning rates would "
                    + "replace it at the first refresh), got policy " + cfg.policy().configName());
        }
        this.frozenMask = Map.copyOf(mask);
        return this;
    }

    /**
     * Where each importance refresh gets its gradient sums over the general probe batches: by default computed here;
     * e.g. sharded over Spark executors ({@code SparkProbing.gradients}). Called once per refresh with the model and the
     * batches; a source that is {@link AutoCloseable} is closed after the refresh.
     */
    public AdeptTrainer withGeneralGradients(
            BiFunction<CausalLm, List<DataSet>, UnitImportance.GeneralGradients> source) {
        this.generalGradients = Objects.requireNonNull(source, "source");
        return this;
    }

    /** Batches of the before/after validation of each corpus (0, the default: the whole validation sets). */
    public AdeptTrainer withFinalEvalBatches(int batches) {
        this.finalEvalBatches = Math.max(0, batches);
        return this;
    }

    /** Ends after this many steps in total (0: the full budget), e.g. to split a run; the checkpoint is written. */
    public AdeptTrainer stoppingAfter(int steps) {
        this.stopAfter = steps;
        return this;
    }

    /**
     * Validation results of the model before training, when the caller already has them (e.g. the same base model
     * evaluated once for several methods): saves two full evaluations.
     */
    public AdeptTrainer withBefore(Perplexity.Result general, Perplexity.Result domain) {
        this.knownGeneralBefore = general;
        this.knownDomainBefore = domain;
        return this;
    }

    /** Tunes {@code model} (an expanded model described by {@code manifest}) in place: its copies only. */
    public Result run(CausalLm model, ExpansionManifest manifest, List<Document> domain, List<Document> general) {
        if (manifest.expandedLayers() != model.config().numLayers()) {
            throw new IllegalArgumentException("the manifest describes " + manifest.expandedLayers() + " blocks but the model has "
                    + model.config().numLayers());
        }
        return run(model, manifest.trainableTensors(), manifest.seedMap(model.config()), domain, general);
    }

    /**
     * Trains the tensors {@code trainable} of {@code model} in place on the domain corpus with these settings' LR policy
     * (decoupled or uniform); everything else stays bit-identical. The baselines (full CPT, LLaMA-Pro, the ablations)
     * are this call with other tensor sets and policies.
     *
     * @param seedFrom tensors whose importance may be seeded from another tensor while their gradient is zero
     */
    public Result run(CausalLm model, List<String> trainable, Map<String, String> seedFrom, List<Document> domain,
                      List<Document> general) {
        long t0 = System.nanoTime();
        for (Map.Entry<String, INDArray> e : frozenMask.entrySet()) {
            if (!trainable.contains(e.getKey()) || !java.util.Arrays.equals(e.getValue().shape(),
                    model.tensor(e.getKey()).shape())) {
                throw new IllegalArgumentException("the frozen mask of " + e.getKey() + " must have the shape of a "
                        + "trained tensor");
            }
        }
        TuningData data = TuningData.of(model, cfg, domain, general);
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(cfg.learningRate(), cfg.warmupSteps(), cfg.steps(), 0.1);
        Set<String> decayed = new HashSet<>();
        for (String t : trainable) {
            if (model.tensor(t).rank() == 2) {
                decayed.add(t);
            }
        }
        ParameterOptimizer opt = new ParameterOptimizer(new SplitLearningRateUpdater(new Adam(schedule)), schedule,
                cfg.weightDecay(), decayed);
        for (Map.Entry<String, INDArray> e : frozenMask.entrySet()) { // fixed multipliers: never refreshed
            ((SplitLearningRateGradientUpdater) opt.updater(e.getKey(), model.tensor(e.getKey()))).setMultipliers(e.getValue());
        }
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String t : trainable) {
            params.put(t, model.tensor(t));
        }

        History restored = null;
        int start = 0;
        if (resume) {
            if (checkpointDir == null) {
                throw new IllegalArgumentException("nothing to resume: no checkpoint folder was given");
            }
            TrainingCheckpoint c = TrainingCheckpoint.read(checkpointDir, fingerprint(trainable), "tuning checkpoint");
            restored = c.history(new com.fasterxml.jackson.core.type.TypeReference<History>() { }, checkpointDir,
                    "tuning checkpoint");
            for (String t : trainable) {
                model.tensor(t).assign(c.weights().get(t));
            }
            opt.restore(params, c.optimizer());
            start = c.step();
            log.info(String.format("[tune] resuming at step %d from %s", start, checkpointDir));
        }
        long trainableParameters = trainableCount(model, trainable, frozenMask);
        Perplexity.Result gBefore = restored != null ? restored.generalBefore()
                : knownGeneralBefore != null ? knownGeneralBefore
                : Perplexity.evaluate(model, data.generalVal(), cfg.batchSize(), finalEvalBatches);
        Perplexity.Result dBefore = restored != null ? restored.domainBefore()
                : knownDomainBefore != null ? knownDomainBefore
                : Perplexity.evaluate(model, data.domainVal(), cfg.batchSize(), finalEvalBatches);
        log.info(String.format("[tune] before: general perplexity %.1f, domain perplexity %.1f; %,d of %,d parameters trainable, "
                        + "%s learning rates", gBefore.perplexity(), dBefore.perplexity(), trainableParameters,
                model.parameterCount(), cfg.decoupled() ? cfg.policy().configName() + " per-unit" : "uniform"));
        PerplexityMonitor monitor = new PerplexityMonitor(
                () -> Perplexity.evaluate(model, data.generalVal(), cfg.batchSize(), cfg.evalBatches()).meanLoss(),
                () -> Perplexity.evaluate(model, data.domainVal(), cfg.batchSize(), cfg.evalBatches()).meanLoss(),
                Math.max(1, cfg.evalEvery() > 0 ? cfg.evalEvery() : cfg.steps()), cfg.forgettingMargin(), cfg.guard());
        List<Point> trainCurve = new ArrayList<>();
        List<Refresh> refreshes = new ArrayList<>();
        lastMultipliers = new LinkedHashMap<>();
        if (restored != null) {
            monitor.restore(restored.generalCurve(), restored.domainCurve());
            trainCurve.addAll(restored.trainCurve());
            refreshes.addAll(restored.refreshes());
            lastMultipliers.putAll(restored.multipliers());
        } else {
            monitor.evaluate(0);
        }
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(data.trainSource(), cfg.batchSize(), BatchLayout.SAMEDIFF,
                model.config().vocabSize(), true, cfg.seed());
        it.seek(start / it.batchesPerEpoch(), start % it.batchesPerEpoch());
        int end = stopAfter > 0 ? Math.min(stopAfter, cfg.steps()) : cfg.steps();
        ProgressMeter meter = new ProgressMeter("tune", start, cfg.steps(), log);
        String stopped = null;
        int done = start;
        double evalSeconds = 0;
        double refreshSeconds = 0; // importance refreshes (Stage 2's own cost), part of the training time
        double updateSeconds = 0;  // clipping and the (split-learning-rate) updaters, part of the training time
        for (int step = start; step < end; step++) {
            if (cfg.decoupled() && ((step == 0 && cfg.initialProbe()) || (step > 0 && step % cfg.refreshEvery() == 0))) {
                long r0 = System.nanoTime();
                refreshes.add(refresh(step, model, data.probe(), trainable, seedFrom, opt));
                refreshSeconds += (System.nanoTime() - r0) / 1e9;
            }
            if (!it.hasNext()) {
                it.reset();
            }
            ParameterOptimizer.StepResult lg = opt.trainStep(model, it.next(), params, step, cfg.clipNorm());
            done = step + 1;
            updateSeconds += lg.updateSeconds();
            trainCurve.add(new Point(done, lg.loss()));
            meter.addTokens(Math.round(lg.tokens()));
            if (done < cfg.steps()) {
                long e0 = System.nanoTime();
                int before = monitor.generalCurve().size();
                stopped = monitor.afterStep(done);
                evalSeconds += (System.nanoTime() - e0) / 1e9;
                if (stopped != null) {
                    log.info("[tune] stopping early: " + stopped);
                }
                if (stopped == null && monitor.generalCurve().size() > before) {
                    meter.print(done, String.format("loss %.4f  general %.4f  domain %.4f", lg.loss(),
                            monitor.generalCurve().get(before).loss(), monitor.domainCurve().get(before).loss()));
                }
            }
            // after the evaluation of this step, so that a resumed run's curves hold the point at the resume step
            if (checkpointDir != null && (done % checkpointEvery == 0 || done == end || stopped != null)) {
                try {
                    TrainingCheckpoint.write(checkpointDir, done, fingerprint(trainable), params, opt.state(),
                            new History(trainCurve, refreshes, monitor.generalCurve(), monitor.domainCurve(),
                                    lastMultipliers, gBefore, dBefore));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("could not write the tuning checkpoint " + checkpointDir, e);
                }
            }
            if (stopped != null) {
                break;
            }
        }
        double trainSeconds = meter.elapsedSeconds() - evalSeconds;
        if (done < cfg.steps() && stopped == null) {
            log.info(String.format("[tune] paused after step %d of %d; checkpoint in %s", done, cfg.steps(), checkpointDir));
        }
        Perplexity.Result gAfter = Perplexity.evaluate(model, data.generalVal(), cfg.batchSize(), finalEvalBatches);
        Perplexity.Result dAfter = Perplexity.evaluate(model, data.domainVal(), cfg.batchSize(), finalEvalBatches);
        List<Point> gCurve = points(monitor.generalCurve());
        List<Point> dCurve = points(monitor.domainCurve());
        gCurve.set(0, new Point(0, gBefore.meanLoss())); // the full-set values at the ends, the sampled ones between
        dCurve.set(0, new Point(0, dBefore.meanLoss()));
        if (gCurve.get(gCurve.size() - 1).step() == done) {
            gCurve.remove(gCurve.size() - 1);
            dCurve.remove(dCurve.size() - 1);
        }
        gCurve.add(new Point(done, gAfter.meanLoss()));
        dCurve.add(new Point(done, dAfter.meanLoss()));
        log.info(String.format("[tune] after %d steps: general perplexity %.1f (%+.1f %%), domain perplexity %.1f (%+.1f %%)", done,
                gAfter.perplexity(), 100 * (gAfter.perplexity() / gBefore.perplexity() - 1), dAfter.perplexity(),
                100 * (dAfter.perplexity() / dBefore.perplexity() - 1)));
        return new Result(cfg, model.parameterCount(), trainableParameters, gCurve, dCurve, trainCurve,
                refreshes, gBefore, dBefore, gAfter, dAfter, (System.nanoTime() - t0) / 1e9, trainSeconds,
                meter.addedTokens() / Math.max(1e-9, trainSeconds), done, stopped, lastMultipliers, refreshSeconds,
                updateSeconds);
    }

    /**
     * What must match for a checkpoint to be resumed: the settings and the trained tensors. Compared as JSON data
     * (object fields in any order), never as text.
     */
    private Map<String, Object> fingerprint(List<String> trainable) {
        Map<String, Object> f = new java.util.TreeMap<>();
        f.put("settings", cfg);
        f.put("trainable", trainable);
        return f;
    }

    /** What a tuning checkpoint keeps besides tensors and optimizer state: the run's history so far. */
    private record History(List<Point> trainCurve, List<Refresh> refreshes, List<PerplexityMonitor.Point> generalCurve,
                           List<PerplexityMonitor.Point> domainCurve, Map<String, double[]> multipliers,
                           Perplexity.Result generalBefore, Perplexity.Result domainBefore) {
    }

    private static List<Point> points(List<PerplexityMonitor.Point> in) {
        List<Point> out = new ArrayList<>();
        for (PerplexityMonitor.Point p : in) {
            out.add(new Point((int) p.step(), p.loss()));
        }
        return out;
    }

    private Refresh refresh(int step, CausalLm model, List<DataSet> probe, List<String> trainable,
                            Map<String, String> seedFrom, ParameterOptimizer opt) {
        UnitImportance.GeneralGradients gradients = generalGradients.apply(model, probe);
        ImportanceRefresh.Multipliers m;
        try {
            m = ImportanceRefresh.apply(model, gradients, trainable, seedFrom, opt, cfg.granularity(), cfg.lrPolicy());
        } finally {
            if (gradients instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.warn("[tune] releasing the importance batches failed: " + e);
                }
            }
        }
        List<UnitSummary> summary = new ArrayList<>();
        for (String t : trainable) {
            INDArray mt = m.multipliers().get(t);
            lastMultipliers.put(t, mt.reshape(-1).toDoubleVector());
            summary.add(new UnitSummary(t, m.units().get(t).meanNumber().doubleValue(), mt.minNumber().doubleValue(),
                    mt.meanNumber().doubleValue(), mt.maxNumber().doubleValue(), m.seeded().get(t)));
        }
        log.info(String.format("[tune] step %d: importance refreshed on %d general batches (%d units' tensors)", step, probe.size(),
                trainable.size()));
        return new Refresh(step, summary);
    }

    /** Elements that can change: whole trained tensors, or the unmasked elements of a masked one. */
    private static long trainableCount(CausalLm model, List<String> trainable, Map<String, INDArray> mask) {
        return trainable.stream().mapToLong(t -> mask.containsKey(t)
                ? Math.round(mask.get(t).sumNumber().doubleValue()) : model.tensor(t).length()).sum();
    }
}
