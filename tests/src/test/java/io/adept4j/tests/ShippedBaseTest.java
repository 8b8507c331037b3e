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
import io.adept4j.model.ModelStore;
import io.adept4j.stage1.LayerProber;
import io.adept4j.stage1.Placement;
import io.adept4j.stage1.SelectiveExpander;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.TuneConfig;
import io.adept4j.stage2.UnitImportance;
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

    static CausalLm base;
    static List<DataSet> general;
    /** Element importance of the trainable tensors of a copy of the middle block, seeded from its source. */
    static UnitImportance.Result importance;
    static List<String> trainable;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Path.of(System.getProperty("adept4j.testBase", "../models/base-small-bpe4096"));
        base = ModelStore.load(dir);
        Tokenizer tok = Tokenizers.fromSpec(base.config().tokenizer());
        SplitWindows split = SplitWindows.build("general", CorpusReader.read(Path.of("../corpora/general.jsonl.gz"))
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
    static double[] spread(String policy, Granularity g) {
        Map<String, INDArray> units = new LinkedHashMap<>();
        trainable.forEach(t -> units.put(t, importance.units(t, g)));
        Map<String, INDArray> m = TuneConfig.policy(policy, TuneConfig.DEFAULT_SPLIT_QUANTILE, TuneConfig.DEFAULT_SPLIT_HI,
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

    @Test
    void defaultMultipliersSpreadOnARealModel() {
        for (String p : List.of("continuous", "rank", "continuous-global", "rank-global")) {
            for (Granularity g : List.of(Granularity.TENSOR, Granularity.NEURON)) {
                double[] s = spread(p, g);
                System.out.printf("[multipliers] %-17s %-7s units %6.0f  in [0.25,1.75] %5.1f %%  mean %.3f%n", p, g,
                        s[2], 100 * s[0], s[1]);
            }
        }
        double[] d = spread(TuneConfig.DEFAULT_POLICY, TuneConfig.DEFAULT_GRANULARITY);
        assertTrue(d[0] >= 0.5, "default policy " + TuneConfig.DEFAULT_POLICY + " at " + TuneConfig.DEFAULT_GRANULARITY
                + ": only " + d[0] + " of units have a multiplier in [0.25, 1.75]");
    }
}
