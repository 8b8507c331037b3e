package io.adept4j.cli;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import io.adept4j.stage1.Placement;
import io.adept4j.samediff.SelectiveExpander;
import io.adept4j.stage2.ContinuousPolicy;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.SplitLearningRateUpdater;
import io.adept4j.train.ParameterOptimizer;
import io.adept4j.train.WarmupCosineSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Costs of decoupled tuning on an expanded model: a tuning step (copies only, split-LR Adam) against a full-CPT step
 * (every tensor, Adam) on the same expanded model, the split-LR updater against plain Adam on the same trainable set,
 * and one importance refresh against the training time it is amortised over.
 */
final class TuneBenchmark {

    private TuneBenchmark() {
    }

    static Map<String, Object> run(int hidden, int layers, int[] sources, int seqLen, int batch, int steps,
                                   int probeBatches, int refreshEvery, String tokenizer, PrintWriter log) {
        Tokenizer tok = Tokenizers.parse(tokenizer);
        int heads = Math.max(1, hidden / 32);
        LmConfig c = LmConfig.of(tok.spec(), hidden, layers, heads, Math.max(1, heads / 2), seqLen);
        CausalLm base = CausalLm.build(c, CausalLm.initWeights(c, 1), seqLen, DataType.FLOAT);
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, Placement.explicit(sources, layers), null, null);
        CausalLm lm = ex.model();
        base = null; // only the expanded model from here on
        TokenWindows w = TokenWindows.build("general", CorpusReader.read(BundledCorpora.general()).documents(), tok,
                WindowSpec.packed(seqLen));
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(w, batch, BatchLayout.SAMEDIFF, c.vocabSize(), true, 1);
        List<DataSet> batches = new ArrayList<>();
        while (batches.size() < Math.max(probeBatches, 4) && it.hasNext()) {
            batches.add(it.next());
        }

        List<String> copies = ex.manifest().trainableTensors();
        Map<String, INDArray> all = lm.weights();
        Map<String, INDArray> copyParams = new LinkedHashMap<>();
        for (String t : copies) {
            copyParams.put(t, lm.tensor(t));
        }
        WarmupCosineSchedule lr = new WarmupCosineSchedule(1e-5, 1, 1_000_000, 0.1); // tiny: weights barely move
        ParameterOptimizer full = new ParameterOptimizer(new Adam(lr), lr, 0.0, Set.of());
        ParameterOptimizer split = new ParameterOptimizer(new SplitLearningRateUpdater(new Adam(lr)), lr, 0.0, Set.of());
        ParameterOptimizer adam = new ParameterOptimizer(new Adam(lr), lr, 0.0, Set.of());

        // Realistic multipliers: one refresh before timing (also warms the importance path up).
        long r0 = System.nanoTime();
        refresh(lm, ex.manifest(), batches.subList(0, probeBatches), copies, split);
        double firstRefresh = (System.nanoTime() - r0) / 1e9;

        int warm = 2;
        double fullSec = 0;
        double splitSec = 0;
        double adamSec = 0;
        for (int i = 0; i < warm + steps; i++) {
            DataSet b = batches.get(i % batches.size());
            // interleaved, so drift of a shared machine hits all three alike
            double f = time(() -> full.trainStep(lm, b, all, 0, 1.0));
            double s = time(() -> split.trainStep(lm, b, copyParams, 0, 1.0));
            double a = time(() -> adam.trainStep(lm, b, copyParams, 0, 1.0));
            if (i >= warm) {
                fullSec += f / steps;
                splitSec += s / steps;
                adamSec += a / steps;
            }
            log.printf("[bench tune] step %d/%d: full CPT %.2f s, ADEPT tuning %.2f s, plain Adam on the copies %.2f s%n",
                    i + 1, warm + steps, f, s, a);
        }
        double refreshSec = 0;
        for (int i = 0; i < 2; i++) {
            long t0 = System.nanoTime();
            refresh(lm, ex.manifest(), batches.subList(0, probeBatches), copies, split);
            refreshSec += (System.nanoTime() - t0) / 1e9 / 2;
        }
        long trainable = copies.stream().mapToLong(t -> lm.tensor(t).length()).sum();
        long stateFloats = split.state().values().stream().mapToLong(INDArray::length).sum();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden", hidden);
        m.put("baseLayers", layers);
        m.put("expandedLayers", lm.config().numLayers());
        m.put("copiedBlocks", java.util.Arrays.stream(sources).boxed().toList());
        m.put("lowestCopyIndex", ex.manifest().copyIndices().stream().mapToInt(Integer::intValue).min().orElse(-1));
        m.put("seqLen", seqLen);
        m.put("batch", batch);
        m.put("timedSteps", steps);
        m.put("parameters", lm.parameterCount());
        m.put("trainableParameters", trainable);
        m.put("tensorsWithUpdaterState", split.state().size());
        m.put("updaterStateValues", stateFloats);
        m.put("fullCptStepSeconds", round(fullSec));
        m.put("tuneStepSeconds", round(splitSec));
        m.put("plainAdamCopiesStepSeconds", round(adamSec));
        m.put("tuneOverFullCpt", round(splitSec / fullSec));
        m.put("splitLrOverheadOverAdam", round(splitSec / adamSec - 1));
        m.put("probeBatches", probeBatches);
        m.put("firstRefreshSeconds", round(firstRefresh));
        m.put("refreshSeconds", round(refreshSec));
        m.put("refreshEvery", refreshEvery);
        m.put("refreshShareOfTraining", round(refreshSec / (refreshSec + refreshEvery * splitSec)));
        log.printf("[bench tune] d=%d, %d→%d blocks, copies of %s: tuning step %.2f s = %.2f x full CPT (%.2f s); split-LR "
                        + "overhead %+.1f %% over Adam (%.2f s); refresh %.2f s = %.2f %% of training at every %d steps%n",
                hidden, layers, lm.config().numLayers(), java.util.Arrays.toString(sources), splitSec, splitSec / fullSec,
                fullSec, 100 * (splitSec / adamSec - 1), adamSec, refreshSec,
                100 * refreshSec / (refreshSec + refreshEvery * splitSec), refreshEvery);
        return m;
    }

    private static void refresh(CausalLm lm, io.adept4j.stage1.ExpansionManifest manifest, List<DataSet> probe,
                                List<String> copies, ParameterOptimizer split) {
        io.adept4j.samediff.ImportanceRefresh.apply(lm, probe, copies, manifest.seedMap(lm.config()),
                split, Granularity.NEURON, new ContinuousPolicy());
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
