package io.adept4j.stage2;

import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.MixedWindows;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.TrainValidationSplit;
import io.adept4j.datavec.window.WindowSource;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.eval.Perplexity;
import io.adept4j.listeners.ProgressMeter;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LlamaLayout;
import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.train.ParameterOptimizer;
import io.adept4j.train.Pretrainer.Point;
import io.adept4j.train.WarmupCosineSchedule;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    /** What a tuning run did. */
    public record Result(TuneConfig settings, long parameters, long trainableParameters, List<Point> generalCurve,
                         List<Point> domainCurve, List<Point> trainCurve, List<Refresh> refreshes,
                         Perplexity.Result generalBefore, Perplexity.Result domainBefore,
                         Perplexity.Result generalAfter, Perplexity.Result domainAfter, double wallSeconds,
                         double tokensPerSecond) {
    }

    private final TuneConfig cfg;
    private final PrintWriter log;

    public AdeptTrainer(TuneConfig cfg, PrintWriter log) {
        this.cfg = cfg;
        this.log = log;
    }

    /** Tunes {@code model} (an expanded model described by {@code manifest}) in place. */
    public Result run(CausalLm model, ExpansionManifest manifest, List<Document> domain, List<Document> general) {
        long t0 = System.nanoTime();
        if (manifest.expandedLayers() != model.config().numLayers()) {
            throw new IllegalArgumentException("the manifest describes " + manifest.expandedLayers() + " blocks but the model has "
                    + model.config().numLayers());
        }
        Tokenizer tok = Tokenizers.fromSpec(model.config().tokenizer());
        WindowSpec spec = WindowSpec.packed(model.seqLen());
        TrainValidationSplit d = TrainValidationSplit.of(domain, 0.05, cfg.seed());
        TrainValidationSplit g = TrainValidationSplit.of(general, 0.05, cfg.seed());
        TokenWindows domainTrain = TokenWindows.build("domain", d.train(), tok, spec);
        TokenWindows domainVal = TokenWindows.build("domain validation", d.validation(), tok, spec);
        TokenWindows generalTrain = TokenWindows.build("general", g.train(), tok, spec);
        TokenWindows generalVal = TokenWindows.build("general validation", g.validation(), tok, spec);
        WindowSource trainSource = cfg.replayWeight() > 0
                ? new MixedWindows(List.of(domainTrain, generalTrain), new double[]{1 - cfg.replayWeight(), cfg.replayWeight()},
                domainTrain.size(), cfg.seed())
                : domainTrain;
        List<DataSet> probe = new ArrayList<>();
        NextTokenDataSetIterator probeIt = new NextTokenDataSetIterator(generalTrain, cfg.batchSize(), BatchLayout.SAMEDIFF,
                model.config().vocabSize(), true, cfg.seed() + 1);
        while (probeIt.hasNext() && probe.size() < cfg.probeBatches()) {
            probe.add(probeIt.next());
        }

        List<String> trainable = manifest.trainableTensors();
        Map<String, String> seedFrom = seedMap(manifest, model);
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(cfg.learningRate(), cfg.warmupSteps(), cfg.steps(), 0.1);
        Set<String> decayed = new HashSet<>();
        for (String t : trainable) {
            if (model.tensor(t).rank() == 2) {
                decayed.add(t);
            }
        }
        ParameterOptimizer opt = new ParameterOptimizer(new SplitLearningRateUpdater(new Adam(schedule)), schedule,
                cfg.weightDecay(), decayed);
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String t : trainable) {
            params.put(t, model.tensor(t));
        }

        Perplexity.Result gBefore = Perplexity.evaluate(model, generalVal, cfg.batchSize(), 0);
        Perplexity.Result dBefore = Perplexity.evaluate(model, domainVal, cfg.batchSize(), 0);
        log.printf("[tune] before: general perplexity %.1f, domain perplexity %.1f; %,d of %,d parameters trainable%n",
                gBefore.perplexity(), dBefore.perplexity(), trainableCount(model, trainable), model.parameterCount());
        List<Point> gCurve = new ArrayList<>(List.of(new Point(0, gBefore.meanLoss())));
        List<Point> dCurve = new ArrayList<>(List.of(new Point(0, dBefore.meanLoss())));
        List<Point> trainCurve = new ArrayList<>();
        List<Refresh> refreshes = new ArrayList<>();
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(trainSource, cfg.batchSize(), BatchLayout.SAMEDIFF,
                model.config().vocabSize(), true, cfg.seed());
        ProgressMeter meter = new ProgressMeter("tune", 0, cfg.steps(), log);
        for (int step = 0; step < cfg.steps(); step++) {
            if ((step == 0 && cfg.initialProbe()) || (step > 0 && step % cfg.refreshEvery() == 0)) {
                refreshes.add(refresh(step, model, probe, trainable, seedFrom, opt));
            }
            if (!it.hasNext()) {
                it.reset();
            }
            ParameterOptimizer.StepResult lg = opt.trainStep(model, it.next(), params, step, cfg.clipNorm());
            trainCurve.add(new Point(step + 1, lg.loss()));
            meter.addTokens(Math.round(lg.tokens()));
            int done = step + 1;
            if (cfg.evalEvery() > 0 && done % cfg.evalEvery() == 0 && done < cfg.steps()) {
                gCurve.add(new Point(done, Perplexity.evaluate(model, generalVal, cfg.batchSize(), cfg.evalBatches()).meanLoss()));
                dCurve.add(new Point(done, Perplexity.evaluate(model, domainVal, cfg.batchSize(), cfg.evalBatches()).meanLoss()));
                meter.print(done, String.format("loss %.4f  general %.4f  domain %.4f", lg.loss(),
                        gCurve.get(gCurve.size() - 1).loss(), dCurve.get(dCurve.size() - 1).loss()));
            }
        }
        Perplexity.Result gAfter = Perplexity.evaluate(model, generalVal, cfg.batchSize(), 0);
        Perplexity.Result dAfter = Perplexity.evaluate(model, domainVal, cfg.batchSize(), 0);
        gCurve.add(new Point(cfg.steps(), gAfter.meanLoss()));
        dCurve.add(new Point(cfg.steps(), dAfter.meanLoss()));
        log.printf("[tune] after: general perplexity %.1f (%+.1f %%), domain perplexity %.1f (%+.1f %%)%n",
                gAfter.perplexity(), 100 * (gAfter.perplexity() / gBefore.perplexity() - 1), dAfter.perplexity(),
                100 * (dAfter.perplexity() / dBefore.perplexity() - 1));
        return new Result(cfg, model.parameterCount(), trainableCount(model, trainable), gCurve, dCurve, trainCurve,
                refreshes, gBefore, dBefore, gAfter, dAfter, (System.nanoTime() - t0) / 1e9, meter.tokensPerSecond());
    }

    private Refresh refresh(int step, CausalLm model, List<DataSet> probe, List<String> trainable,
                            Map<String, String> seedFrom, ParameterOptimizer opt) {
        UnitImportance.Result imp = UnitImportance.compute(model, probe, trainable, seedFrom);
        Map<String, INDArray> units = new LinkedHashMap<>();
        for (String t : trainable) {
            units.put(t, imp.units(t, cfg.granularity()));
        }
        Map<String, INDArray> mult = cfg.lrPolicy().multipliers(units);
        List<UnitSummary> summary = new ArrayList<>();
        for (String t : trainable) {
            INDArray m = mult.get(t);
            ((SplitLearningRateGradientUpdater) opt.updater(t, model.tensor(t)))
                    .setMultipliers(cfg.granularity().expand(m, model.tensor(t).shape()));
            summary.add(new UnitSummary(t, units.get(t).meanNumber().doubleValue(), m.minNumber().doubleValue(),
                    m.meanNumber().doubleValue(), m.maxNumber().doubleValue(), imp.seeded().get(t)));
        }
        log.printf("[tune] step %d: importance refreshed on %d general batches (%d units' tensors)%n", step, probe.size(),
                trainable.size());
        return new Refresh(step, summary);
    }

    /** Each copy tensor → the same tensor of the original block it was copied from (in the expanded model). */
    static Map<String, String> seedMap(ExpansionManifest m, CausalLm model) {
        Map<Integer, Integer> originalIndex = new LinkedHashMap<>();
        for (ExpansionManifest.Block b : m.blocks()) {
            if (!b.copy()) {
                originalIndex.put(b.source(), b.index());
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (ExpansionManifest.Block b : m.blocks()) {
            if (b.copy()) {
                String from = LlamaLayout.layerPrefix(b.index());
                String to = LlamaLayout.layerPrefix(originalIndex.get(b.source()));
                for (String t : LlamaLayout.blockTensors(model.config(), b.index()).keySet()) {
                    out.put(t, to + t.substring(from.length()));
                }
            }
        }
        return out;
    }

    private static long trainableCount(CausalLm model, List<String> trainable) {
        return trainable.stream().mapToLong(t -> model.tensor(t).length()).sum();
    }
}
