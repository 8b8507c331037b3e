package io.adept4j.tests;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.SplitWindows;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import io.adept4j.eval.Perplexity;
import io.adept4j.eval.UnigramBaseline;
import io.adept4j.model.ModelStore;
import io.adept4j.run.ShippedBase;
import io.adept4j.samediff.LayerProber;
import io.adept4j.stage1.Placement;
import io.adept4j.samediff.SelectiveExpander;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.Policy;
import io.adept4j.stage2.TuneConfig;
import io.adept4j.samediff.UnitImportance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stage 2 on a real trained model (the shipped base), not on synthetic importances: the multipliers that the default
 * policy and granularity give the copy of a trained block must really decouple (a spread of rates, not one rate for
 * almost every unit).
 */
class ShippedBaseTest {

    static Path dir;
    static CausalLm base;
    static SplitWindows split;
    static List<DataSet> general;
    /** Element importance of the trainable tensors of a copy of the middle block, seeded from its source. */
    static UnitImportance.Result importance;
    static List<String> trainable;

    @BeforeAll
    static void load() throws Exception {
        dir = Path.of(System.getProperty("adept4j.testBase", "../" + ShippedBase.DIR));
        base = ModelStore.load(dir);
        Tokenizer tok = Tokenizers.fromSpec(base.config().tokenizer());
        split = SplitWindows.build("general", CorpusReader.read(Path.of("../corpora/general.jsonl.gz"))
                .documents(), SplitWindows.DEFAULT_VALIDATION_FRACTION, 42, tok, WindowSpec.packed(base.seqLen()));
        TokenWindows w = LayerProber.trainingSideWindows(split, tok, base.seqLen());
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(w, 8, BatchLayout.SAMEDIFF,
                base.config().vocabSize(), false, 0);
        general = new ArrayList<>();
        general.add(it.next());
        general.add(it.next());
        int numLayers = base.config().numLayers();
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, Placement.explicit(new int[]{numLayers / 2},
                numLayers), null, null);
        trainable = ex.manifest().trainableTensors();
        importance = UnitImportance.compute(ex.model(), general, trainable, ex.manifest().seedMap(ex.model().config()));
    }

    /** Share of units whose multiplier lies in [0.25, 1.75], and the mean multiplier, for one policy and granularity. */
    static double[] spread(Policy policy, Granularity g) {
        Map<String, INDArray> units = new LinkedHashMap<>();
        trainable.forEach(t -> units.put(t, importance.units(t, g)));
        Map<String, INDArray> m = policy.policy(TuneConfig.DEFAULT_SPLIT_QUANTILE, TuneConfig.DEFAULT_SPLIT_HI,
                TuneConfig.DEFAULT_SPLIT_LO).multipliers(units);
        long in = 0;
        long n = 0;
        double sum = 0;
        for (INDArray a : m.values()) {
            for (double v : a.reshape(-1).toDoubleVector()) {
                in += v >= 0.25 && v <= 1.75 ? 1 : 0;
                sum += v;
                n++;
            }
        }
        return new double[]{(double) in / n, sum / n, n};
    }

    /**
     * The shipped files are the ones its provenance lists, and the base knows general text it never saw: its perplexity
     * on the bundled general validation split (seed 42, the first 10 batches) is at most {@value #PERPLEXITY_BOUND} of a
     * unigram model's of the same tokenizer, fitted on the split's training side.
     */
    @Test
    void theShippedBaseIsIntactAndKnowsHeldOutGeneralText() {
        ShippedBase.verified(dir);
        double ppl = Perplexity.evaluate(base, split.validation(), 16, 10).perplexity();
        double unigram = UnigramBaseline.perplexity(split.train(), split.validation(), base.config().vocabSize());
        System.out.printf("[shipped base] bundled general validation perplexity %.1f, unigram %.1f, ratio %.3f%n", ppl,
                unigram, ppl / unigram);
        assertTrue(ppl <= PERPLEXITY_BOUND * unigram, ppl + " vs unigram " + unigram);
    }

    /** The shipped base's goal: held-out perplexity at most this share of the unigram model's. */
    static final double PERPLEXITY_BOUND = 0.15;

    /** One changed byte in the weights stops a run before any work, naming the file and the fix. */
    @Test
    void aChangedWeightFileIsRefusedByName(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("base");
        java.nio.file.Files.createDirectories(copy);
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.toList()) {
                java.nio.file.Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        ShippedBase.verified(copy);
        Path w = copy.resolve(ModelStore.WEIGHTS);
        byte[] bytes = java.nio.file.Files.readAllBytes(w);
        bytes[bytes.length / 2] ^= 1;
        java.nio.file.Files.write(w, bytes);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ShippedBase.verified(copy));
        assertTrue(e.getMessage().contains("weights.zip") && e.getMessage().contains("corrupt or changed")
                && e.getMessage().contains("git checkout"), e.getMessage());
        java.nio.file.Files.delete(copy.resolve(ShippedBase.PROVENANCE));
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ShippedBase.verified(copy));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void defaultMultipliersSpreadOnARealModel() {
        for (Policy p : List.of(Policy.CONTINUOUS, Policy.RANK, Policy.CONTINUOUS_GLOBAL, Policy.RANK_GLOBAL)) {
            for (Granularity g : List.of(Granularity.TENSOR, Granularity.NEURON)) {
                double[] s = spread(p, g);
                System.out.printf("[multipliers] %-17s %-7s units %6.0f  in [0.25,1.75] %5.1f %%  mean %.3f%n", p.configName(), g,
                        s[2], 100 * s[0], s[1]);
            }
        }
        double[] d = spread(TuneConfig.DEFAULT_POLICY, TuneConfig.DEFAULT_GRANULARITY);
        assertTrue(d[0] >= 0.5, "default policy " + TuneConfig.DEFAULT_POLICY + " at " + TuneConfig.DEFAULT_GRANULARITY
                + ": only " + d[0] + " of units have a multiplier in [0.25, 1.75]");
    }
}
