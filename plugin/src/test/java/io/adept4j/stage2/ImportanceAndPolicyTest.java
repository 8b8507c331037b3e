package io.adept4j.stage2;

import io.adept4j.samediff.UnitImportance;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LmConfig;
import io.adept4j.stage1.Placement;
import io.adept4j.samediff.SelectiveExpander;
import io.adept4j.train.ParameterOptimizer;
import io.adept4j.train.WarmupCosineSchedule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImportanceAndPolicyTest {

    static final LmConfig CFG = new LmConfig(257, 16, 2, 2, 1, 8, 24, 16, 1e4, 1e-5, true, false, false,
            new ByteTokenizer().spec());
    static List<DataSet> probe;

    @BeforeAll
    static void data() {
        String dir = System.getProperty("adept4j.corpora", "../corpora");
        List<Document> docs = CorpusReader.read(Path.of(dir, "general.jsonl.gz")).documents().subList(0, 1);
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(TokenWindows.build("g", docs, new ByteTokenizer(),
                WindowSpec.packed(16)), 4, BatchLayout.SAMEDIFF, 257, false, 0);
        probe = List.of(it.next(), it.next());
    }

    static CausalLm model() {
        return CausalLm.build(CFG, CausalLm.initWeights(CFG, 5), 16, DataType.FLOAT);
    }

    @Test
    void importanceIsAbsWeightTimesMeanAbsGradient() {
        CausalLm lm = model();
        List<String> tensors = List.of(LlamaLayout.q(1), LlamaLayout.down(1), LlamaLayout.inputNorm(1));
        UnitImportance.Result r = UnitImportance.compute(lm, probe, tensors, Map.of());
        for (String t : tensors) {
            INDArray g1 = lm.lossAndGradients(probe.get(0), List.of(t)).gradients().get(t);
            INDArray g2 = lm.lossAndGradients(probe.get(1), List.of(t)).gradients().get(t);
            INDArray byHand = Transforms.abs(lm.tensor(t)).mul(Transforms.abs(g1).add(Transforms.abs(g2)).div(2));
            assertTrue(byHand.equalsWithEps(r.elements().get(t), 1e-7), t);
            assertEquals(byHand.meanNumber().doubleValue(), r.units(t, Granularity.TENSOR).getDouble(0), 1e-9);
        }
        assertEquals(16, r.units(LlamaLayout.q(1), Granularity.NEURON).length(), "one unit per output row of q_proj");
    }

    /**
     * A NEURON unit is an output row of an {@code [out, in]} matrix: checked on a non-square tensor (gate_proj is
     * [24, 16]), where a unit taken along the wrong axis has the wrong count and the wrong values.
     */
    @Test
    void neuronUnitsAreOutputRowsOfANonSquareTensor() {
        CausalLm lm = model();
        String gate = LlamaLayout.gate(1);
        assertEquals(List.of(24L, 16L), java.util.Arrays.stream(lm.tensor(gate).shape()).boxed().toList());
        UnitImportance.Result r = UnitImportance.compute(lm, probe, List.of(gate), Map.of());
        INDArray units = r.units(gate, Granularity.NEURON);
        assertEquals(24, units.length(), "one unit per output neuron (row), not per input column");
        INDArray rowMeans = r.elements().get(gate).mean(1);
        for (int i = 0; i < 24; i++) {
            assertEquals(rowMeans.getDouble(i), units.getDouble(i), 1e-12, "unit " + i + " is the mean of row " + i);
        }
        assertEquals(24 * 16, r.units(gate, Granularity.ELEMENT).length());
    }

    @Test
    void probeGradientsDoNotChangeTheNextTrainingStep() {
        List<String> trainable = List.of(LlamaLayout.q(1), LlamaLayout.o(1));
        Map<String, INDArray> results = new HashMap<>();
        for (boolean probeFirst : new boolean[]{false, true}) {
            CausalLm lm = model();
            if (probeFirst) {
                UnitImportance.compute(lm, probe, trainable, Map.of());
            }
            WarmupCosineSchedule s = new WarmupCosineSchedule(1e-2, 0, 10, 1.0);
            ParameterOptimizer opt = new ParameterOptimizer(new Adam(s), s, 0, Set.copyOf(trainable));
            opt.step(lm.weights(), lm.lossAndGradients(probe.get(0), trainable).gradients(), 0);
            results.put(probeFirst ? "with" : "without", lm.tensor(LlamaLayout.q(1)).dup());
        }
        assertEquals(results.get("without"), results.get("with"));
    }

    @Test
    void freshCopiesTakeTheirSourcesImportance() {
        CausalLm base = model();
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, Placement.explicit(new int[]{1}, 2), null, null);
        int copy = ex.manifest().copyIndices().get(0);
        int source = copy - 1;
        String copyQ = LlamaLayout.q(copy);
        String sourceQ = LlamaLayout.q(source);
        UnitImportance.Result r = UnitImportance.compute(ex.model(), probe, List.of(copyQ, LlamaLayout.o(copy)),
                Map.of(copyQ, sourceQ, LlamaLayout.o(copy), LlamaLayout.o(source)));
        assertEquals(Map.of(copyQ, sourceQ), r.seeded(), "q gets zero gradient behind a zero o_proj; o_proj does not");
        assertTrue(r.elements().get(copyQ).sumNumber().doubleValue() > 0);
        INDArray sourceImportance = UnitImportance.compute(ex.model(), probe, List.of(sourceQ), Map.of()).elements()
                .get(sourceQ);
        org.junit.jupiter.api.Assertions.assertArrayEquals(io.adept4j.TestData.bits(sourceImportance),
                io.adept4j.TestData.bits(r.elements().get(copyQ)), "the seeded importance is exactly the source's");
        assertEquals(0.0, r.elements().get(LlamaLayout.o(copy)).sumNumber().doubleValue(), 0.0,
                "|w|·|g| of a zero o_proj is 0 (its gradient is not)");
    }

    @Test
    void continuousPolicyIsTwoTimesOneMinusNormalisedImportance() {
        Map<String, INDArray> units = new LinkedHashMap<>();
        units.put("a", Nd4j.createFromArray(1.0));
        units.put("b", Nd4j.createFromArray(3.0, 2.0));
        Map<String, INDArray> m = new ContinuousPolicy().multipliers(units);
        assertEquals(2.0, m.get("a").getDouble(0), 1e-12);
        assertEquals(0.0, m.get("b").getDouble(0), 1e-12);
        assertEquals(1.0, m.get("b").getDouble(1), 1e-12);
        Map<String, INDArray> flat = new ContinuousPolicy().multipliers(Map.of("x", Nd4j.createFromArray(5.0, 5.0)));
        assertEquals(Nd4j.createFromArray(1.0, 1.0), flat.get("x"), "all equal -> 1");
    }

    @Test
    void rankNormalisedPolicyKeepsTheOrderAndAveragesOne() {
        // heavy-tailed importance: min-max pushes the bulk towards 2, ranks spread it evenly over [0, 2]
        Map<String, INDArray> units = new java.util.LinkedHashMap<>();
        units.put("a", Nd4j.createFromArray(0.0, 1.0, 100.0));
        units.put("b", Nd4j.createFromArray(2.0, 2.0));
        Map<String, INDArray> minMax = new ContinuousPolicy().multipliers(units);
        Map<String, INDArray> rank = new ContinuousPolicy(ContinuousPolicy.Normalization.RANK).multipliers(units);
        // sorted: 0 (rank 0), 1 (rank 1), 2, 2 (ranks 2 and 3 -> 2.5), 100 (rank 4); m = 2·(1 − rank/4)
        assertEquals(Nd4j.createFromArray(2.0, 1.5, 0.0), rank.get("a"));
        assertEquals(Nd4j.createFromArray(0.75, 0.75), rank.get("b"));
        double sum = rank.get("a").sumNumber().doubleValue() + rank.get("b").sumNumber().doubleValue();
        assertEquals(1.0, sum / 5, 1e-12, "multipliers average exactly 1");
        double mmSum = minMax.get("a").sumNumber().doubleValue() + minMax.get("b").sumNumber().doubleValue();
        assertTrue(mmSum / 5 > 1.5, "min-max on a heavy tail averages " + mmSum / 5);
        Map<String, INDArray> one = new ContinuousPolicy(ContinuousPolicy.Normalization.RANK)
                .multipliers(Map.of("x", Nd4j.createFromArray(3.0)));
        assertEquals(1.0, one.get("x").getDouble(0), 1e-12);
    }

    @Test
    void splitPolicyGivesLoToTheImportantQuantile() {
        Map<String, INDArray> m = new SplitPolicy(0.5, 4.0, 0.25).multipliers(Map.of("x", Nd4j.createFromArray(1.0, 4.0, 2.0, 3.0)));
        assertEquals(Nd4j.createFromArray(4.0, 0.25, 4.0, 0.25), m.get("x"));
        assertThrows(IllegalArgumentException.class, () -> new SplitPolicy(1.0, 2, 0));
    }

    @Test
    void unitsSpreadOverTheParameter() {
        INDArray rows = Nd4j.createFromArray(1f, 2f, 3f);
        INDArray full = Granularity.NEURON.expand(rows, new long[]{3, 2}, WeightLayout.OUT_IN);
        assertEquals(Nd4j.createFromArray(new float[][]{{1, 1}, {2, 2}, {3, 3}}), full);
        assertEquals(Nd4j.createFromArray(new float[][]{{7, 7}, {7, 7}}),
                Granularity.TENSOR.expand(Nd4j.createFromArray(7f), new long[]{2, 2}, WeightLayout.OUT_IN));
        assertEquals(Granularity.ELEMENT, Granularity.parse("Element"));
    }
}
