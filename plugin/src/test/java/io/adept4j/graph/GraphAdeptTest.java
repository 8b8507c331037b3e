package io.adept4j.graph;

import io.adept4j.listeners.PerplexityMonitor.GuardAction;
import io.adept4j.stage2.Policy;
import io.adept4j.TestData;
import io.adept4j.stage1.Placement;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.stage2.SplitLearningRateUpdater;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.TuneConfig;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.util.ModelSerializer;
import io.adept4j.stage2.LearningRateMultipliers;
import io.adept4j.stage2.LrPolicy;
import io.adept4j.stage2.WeightLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphAdeptTest {

    static final int IN = 6;
    static final int CLASSES = 3;

    @TempDir
    Path tmp;

    static List<DataSet> task(long seed, double shift, int batches, int size) {
        return TestData.linearTask(seed, shift, batches, size, IN, CLASSES);
    }

    /** A base trained a little on the general task, so blocks differ in importance. */
    static ComputationGraph trainedBase(int blocks) {
        ComputationGraph cg = ResidualGraphs.residualMlp(IN, 8, 12, blocks, CLASSES, new Adam(1e-2), 7);
        List<DataSet> general = task(1, 0, 8, 32);
        for (int epoch = 0; epoch < 5; epoch++) {
            general.forEach(cg::fit);
        }
        return cg;
    }

    static Map<String, INDArray> snapshot(ComputationGraph cg) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        cg.paramTable().forEach((k, v) -> m.put(k, v.dup()));
        return m;
    }

    @Test
    void blocksAreFoundAndProbingMatchesAGraphBuiltWithoutTheBlock() {
        ComputationGraph cg = trainedBase(3);
        List<GraphBlock> blocks = GraphBlocks.find(cg);
        assertEquals(3, blocks.size());
        assertEquals("embed", blocks.get(0).input());
        assertEquals("b1_add", blocks.get(1).output());
        assertEquals(List.of("b1_fc", "b1_out"), blocks.get(1).members());
        assertEquals(List.of("b1_out"), blocks.get(1).outputLayers());

        Map<String, INDArray> before = snapshot(cg);
        List<DataSet> general = task(1, 0, 3, 32);
        ProbeResult probe = new GraphProber(3).probe(cg, blocks, new ListDataSetIterator<>(general));
        before.forEach((k, v) -> assertEquals(v, cg.getParam(k), k + " restored exactly"));

        // Independent check of ΔL for block 1: a 2-block graph holding blocks 0 and 2.
        ComputationGraph without = ResidualGraphs.residualMlp(IN, 8, 12, 2, CLASSES, new Adam(1e-2), 7);
        for (String k : without.paramTable().keySet()) {
            String src = k.startsWith("b1_") ? "b2_" + k.substring(3) : k;
            without.getParam(k).assign(cg.getParam(src));
        }
        double base = 0;
        double skipped = 0;
        for (DataSet d : general) {
            base += cg.score(d) / general.size();
            skipped += without.score(d) / general.size();
        }
        assertEquals(skipped - base, probe.layers().get(1).deltaLoss(), 1e-5);
        assertTrue(Math.abs(probe.layers().get(1).deltaLoss()) > 1e-4, "the block matters");
    }

    @Test
    void expansionPreservesOutputsFreezesOriginalsAndSerialisesExactly() throws Exception {
        ComputationGraph cg = trainedBase(3);
        List<GraphBlock> blocks = GraphBlocks.find(cg);
        DataSet check = task(2, 0, 1, 16).get(0);
        Map<String, INDArray> baseParams = snapshot(cg);
        GraphExpander.Expansion ex = GraphExpander.expand(cg, blocks, Placement.explicit(new int[]{0, 2}, 3), check);
        ComputationGraph big = ex.graph();
        assertEquals(0.0, ex.manifest().maxAbsLogitDiff(), 0.0, "zeroed output projections add exactly 0");
        assertEquals(5, ex.blocks().size());
        assertEquals(List.of("b0_add", "b0_add_copy", "b1_add", "b2_add", "b2_add_copy"),
                ex.blocks().stream().map(GraphBlock::output).toList());
        assertEquals(List.of("b0_fc_copy_W", "b0_fc_copy_b", "b0_out_copy_W", "b0_out_copy_b", "b2_fc_copy_W",
                "b2_fc_copy_b", "b2_out_copy_W", "b2_out_copy_b"), ex.manifest().trainableTensors().stream().sorted().toList());
        assertEquals(ex.blocks(), GraphBlocks.find(big), "the expanded graph's blocks are found again, copies included");
        baseParams.forEach((k, v) -> assertEquals(v, cg.getParam(k), "the base graph is untouched: " + k));

        assertCopyGradientsAreTrue(big, ex.manifest().trainableTensors(), check);
        Map<String, INDArray> frozenBefore = snapshot(big);
        List<DataSet> domain = task(3, 1.0, 4, 32);
        for (int i = 0; i < 3; i++) {
            domain.forEach(big::fit);
        }
        for (Map.Entry<String, INDArray> e : frozenBefore.entrySet()) {
            boolean copy = ex.manifest().trainableTensors().contains(e.getKey());
            if (copy) {
                assertNotEquals(e.getValue(), big.getParam(e.getKey()), e.getKey() + " trains");
            } else {
                assertArrayEquals(TestData.bits(e.getValue()), TestData.bits(big.getParam(e.getKey())),
                        e.getKey() + " frozen bit for bit");
            }
        }

        File f = tmp.resolve("expanded.zip").toFile();
        ModelSerializer.writeModel(big, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(big.params(), back.params());
        assertEquals(big.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray(), "updater state");
        assertEquals(big.getConfiguration().toJson(), back.getConfiguration().toJson());
        for (int i = 0; i < 2; i++) {
            big.fit(domain.get(i));
            back.fit(domain.get(i));
        }
        assertEquals(big.params(), back.params(), "training continues identically after the round trip");

        // Expanding the expanded graph again: a copy of a frozen original block trains.
        GraphExpander.Expansion again = GraphExpander.expand(big, GraphBlocks.find(big), Placement.explicit(new int[]{2}, 5), check);
        assertEquals(0.0, again.manifest().maxAbsLogitDiff(), 0.0);
        assertEquals(6, again.blocks().size());
        var copyLayer = ((org.deeplearning4j.nn.conf.graph.LayerVertex) again.graph().getConfiguration().getVertices()
                .get("b1_fc_copy")).getLayerConf().getLayer();
        assertInstanceOf(DenseLayer.class, copyLayer, "the copy of a frozen block is an unwrapped, trainable layer");
        assertInstanceOf(org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop.class,
                ((org.deeplearning4j.nn.conf.graph.LayerVertex) again.graph().getConfiguration().getVertices()
                        .get("b2_fc")).getLayerConf().getLayer(), "an original downstream of a copy passes gradients back");
    }

    /**
     * The copies' gradients in the frozen graph equal those in the same graph with nothing frozen: frozen layers
     * downstream of a copy must still pass gradients back.
     */
    static void assertCopyGradientsAreTrue(ComputationGraph big, List<String> trainable, DataSet batch) {
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration c = big.getConfiguration().clone();
        for (var v : c.getVertices().values()) {
            if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                var l = lv.getLayerConf().getLayer();
                if (l instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
                    lv.getLayerConf().setLayer(f.getLayer());
                } else if (l instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop f) {
                    lv.getLayerConf().setLayer(f.getUnderlying());
                }
            }
        }
        ComputationGraph open = new ComputationGraph(c);
        open.init();
        open.setParams(big.params().dup());
        for (ComputationGraph g : List.of(big, open)) {
            g.setInputs(batch.getFeatures());
            g.setLabels(batch.getLabels());
            g.computeGradientAndScore();
        }
        for (String k : trainable) {
            INDArray a = big.gradient().gradientForVariable().get(k);
            INDArray b = open.gradient().gradientForVariable().get(k);
            double diff = Nd4j.math().abs(a.sub(b)).maxNumber().doubleValue();
            assertTrue(diff <= 1e-6, k + ": gradient differs from the unfrozen graph's by " + diff);
        }
        assertTrue(trainable.stream().anyMatch(k -> big.gradient().gradientForVariable().get(k).amaxNumber().doubleValue() > 0),
                "some copy gradient is non-zero");
    }

    @Test
    void listenerImportanceEqualsImportanceFromComputeGradientAndScore() {
        ComputationGraph cg = trainedBase(2);
        List<DataSet> general = task(4, 0, 3, 16);
        List<String> params = List.of("b0_fc_W", "b0_out_W", "b1_out_b", "embed_W");
        Map<String, INDArray> viaListener = new GraphImportance().measure(cg, general, params, Map.of());
        Map<String, INDArray> sums = new LinkedHashMap<>();
        for (DataSet d : general) {
            cg.setInputs(d.getFeatures());
            cg.setLabels(d.getLabels());
            cg.computeGradientAndScore();
            for (String p : params) {
                INDArray g = Nd4j.math().abs(cg.gradient().gradientForVariable().get(p).dup());
                sums.merge(p, g, INDArray::add);
            }
        }
        for (String p : params) {
            INDArray direct = Nd4j.math().abs(cg.getParam(p).dup()).mul(sums.get(p).div(general.size()));
            double diff = Nd4j.math().abs(direct.sub(viaListener.get(p))).maxNumber().doubleValue();
            assertTrue(diff <= 1e-6 * Math.max(1, direct.maxNumber().doubleValue()), p + " differs by " + diff);
            assertTrue(direct.sumNumber().doubleValue() > 0, p + " has importance");
        }
        assertEquals(0, cg.getListeners().size(), "the importance listener is detached afterwards");
    }

    @Test
    void aZeroMaskOnOneLayerInAMergedUpdaterBlockFreezesExactlyThoseWeights() {
        SplitLearningRateUpdater u = new SplitLearningRateUpdater(new Adam(1e-2));
        ComputationGraph cg = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(IN).nOut(5).activation(Activation.TANH).updater(u).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.TANH).updater(u.clone()).build(), "a")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "b")
                .setOutputs("out").build());
        cg.init();
        UpdaterBlock merged = cg.getUpdater(true).getUpdaterBlocks().stream()
                .filter(b -> b.getLayersAndVariablesInBlock().size() == 4).findFirst().orElseThrow();
        assertEquals(List.of("a_W", "a_b", "b_W", "b_b"), merged.getLayersAndVariablesInBlock().stream()
                .map(p -> p.getLayer().getConfig().getLayerName() + "_" + p.getParamName()).toList(), "one merged block");

        // Zero only a_W's first two output neurons' columns... and everything of a_W in a second pass.
        INDArray mask = Nd4j.ones(DataType.FLOAT, IN, 5);
        mask.getColumn(1).assign(0);
        mask.getRow(2).assign(0);
        GraphSplitLearningRates.apply(cg, Map.of("a_W", mask, "b_b", Nd4j.zeros(DataType.FLOAT, 1, 4)));
        Map<String, INDArray> before = snapshot(cg);
        task(5, 0, 3, 16).forEach(cg::fit);
        INDArray aw = cg.getParam("a_W");
        INDArray aw0 = before.get("a_W");
        for (int i = 0; i < IN; i++) {
            for (int j = 0; j < 5; j++) {
                boolean frozen = j == 1 || i == 2;
                if (frozen) {
                    assertEquals(aw0.getFloat(i, j), aw.getFloat(i, j), 0f, "a_W[" + i + "," + j + "] frozen");
                } else {
                    assertNotEquals(aw0.getFloat(i, j), aw.getFloat(i, j), "a_W[" + i + "," + j + "] trains");
                }
            }
        }
        assertEquals(before.get("b_b"), cg.getParam("b_b"), "b_b frozen");
        assertNotEquals(before.get("a_b"), cg.getParam("a_b"));
        assertNotEquals(before.get("b_W"), cg.getParam("b_W"));
        assertThrows(IllegalArgumentException.class, () -> GraphSplitLearningRates.apply(cg, Map.of("out_W",
                Nd4j.ones(DataType.FLOAT, 4, CLASSES))), "a parameter outside split blocks is named");
    }

    @Test
    void adeptOnAGraphLearnsTheDomainTrainsOnlyCopiesAndRefreshes() {
        ComputationGraph base = trainedBase(4);
        Map<String, INDArray> baseParams = snapshot(base);
        TuneConfig cfg = TuneConfig.defaults(24, 32, 1);
        cfg = TuneConfig.builder(24, 32, 1).learningRate(1e-2).warmupSteps(1)
                .weightDecay(0).clipNorm(0).refreshEvery(8).initialProbe(true)
                .granularity(cfg.granularity()).policy(Policy.CONTINUOUS).split(0.5, 2, 0.1)
                .probeBatches(2).evaluation(8, 2).replayWeight(0).guard(cfg.forgettingMargin(), GuardAction.WARN).build();
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(log, true)); // slf4j-simple, the tests' binding, writes to System.err
        GraphAdept.Result r;
        try {
            r = GraphAdept.run(base, null, 2, new ListDataSetIterator<>(task(1, 0, 4, 32), 1),
                    new ListDataSetIterator<>(task(9, 1.0, 6, 32)), new ListDataSetIterator<>(task(9, 1.0, 2, 32)), cfg);
        } finally {
            System.setErr(err);
        }
        assertEquals(2, r.expansion().copies().size());
        assertTrue(r.domainAfter() < r.domainBefore() - 0.05, "domain learned: " + r.domainBefore() + " -> " + r.domainAfter());
        assertEquals(1 + 24 / 8, r.refreshes().size(), "initial probe + a refresh every 8 steps");
        List<DataSet> g = task(1, 0, 4, 32);
        assertEquals((base.score(g.get(2), false) + base.score(g.get(3), false)) / 2, r.generalBefore(), 1e-6,
                "general validation is the two batches after the two probed ones");
        assertTrue(r.refreshes().get(0).meanMultiplier().values().stream().anyMatch(m -> Math.abs(m - 1) > 1e-3),
                "multipliers differ from 1");
        baseParams.forEach((k, v) -> assertEquals(v, base.getParam(k), "base untouched: " + k));
        for (String k : baseParams.keySet()) {
            assertArrayEquals(TestData.bits(baseParams.get(k)), TestData.bits(r.model().getParam(k)), "frozen " + k);
        }
        assertTrue(log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("[adept-graph] probe: block 0"),
                log.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> GraphAdept.run(base, null, 5,
                new ListDataSetIterator<>(task(1, 0, 2, 8)), new ListDataSetIterator<>(task(9, 1, 2, 8)),
                new ListDataSetIterator<>(task(9, 1, 1, 8)), TuneConfig.defaults(2, 8, 1)));
    }

    /**
     * DL4J applies weight decay after the updater, where the split learning rates cannot reach it: refused by name.
     * General batches for validation must be other batches than those probed: too few are refused.
     */
    @Test
    void postUpdaterWeightDecayAndSharedGeneralBatchesAreRefused() {
        ComputationGraph base = trainedBase(2);
        TuneConfig cfg = TuneConfig.builder(4, 32, 1).learningRate(1e-2).warmupSteps(1)
                .weightDecay(0).clipNorm(0).refreshEvery(2).initialProbe(true)
                .granularity(Granularity.NEURON).policy(Policy.CONTINUOUS).split(0.5, 2, 0.1)
                .probeBatches(2).evaluation(2, 2).replayWeight(0).guard(1.0, GuardAction.WARN).build();
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class, () -> GraphAdept.run(base, null, 1,
                new ListDataSetIterator<>(task(1, 0, 2, 32)), new ListDataSetIterator<>(task(9, 1.0, 2, 32)),
                new ListDataSetIterator<>(task(9, 1.0, 1, 32)), cfg));
        assertTrue(few.getMessage().contains("must not share"), few.getMessage());
        ((org.deeplearning4j.nn.conf.layers.BaseLayer) base.getLayer("b1_fc").conf().getLayer())
                .setRegularization(List.of(new org.nd4j.linalg.learning.regularization.WeightDecay(1e-2, true)));
        IllegalArgumentException decay = assertThrows(IllegalArgumentException.class, () -> GraphAdept.run(base, null, 1,
                new ListDataSetIterator<>(task(1, 0, 4, 32), 1), new ListDataSetIterator<>(task(9, 1.0, 2, 32)),
                new ListDataSetIterator<>(task(9, 1.0, 1, 32)), cfg));
        assertTrue(decay.getMessage().contains("'b1_fc'") && decay.getMessage().contains("WeightDecay"), decay.getMessage());
    }

    @Test
    void aBlockWhoseOutputCannotBeZeroedIsRefusedByName() {
        ComputationGraph cg = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .addLayer("e", new DenseLayer.Builder().nIn(IN).nOut(4).build(), "in")
                .addLayer("f", new DenseLayer.Builder().nIn(4).nOut(4).activation(Activation.SIGMOID).build(), "e")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "e", "f")
                .addLayer("out", new OutputLayer.Builder().nIn(4).nOut(CLASSES).activation(Activation.SOFTMAX).build(), "add")
                .setOutputs("out").build());
        cg.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraphBlocks.declare(cg, 0, "e", "add"));
        assertTrue(e.getMessage().contains("'f'") && e.getMessage().contains("does not map 0 to 0"), e.getMessage());
        assertFalse(assertThrows(IllegalArgumentException.class, () -> GraphBlocks.find(cg)).getMessage().isEmpty());
    }

    /** Sequences {@code [n, IN, 10]}; class = argmax of the time-mean of tanh(x·A)·B. */
    static List<DataSet> sequences(long seed, double shift, int batches, int size) {
        Nd4j.getRandom().setSeed(11);
        INDArray a = Nd4j.randn(DataType.FLOAT, IN, 8).muli(0.5);
        INDArray bm = Nd4j.randn(DataType.FLOAT, 8, CLASSES);
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, size, IN, 10).addi(shift);
            INDArray y = Nd4j.zeros(DataType.FLOAT, size, CLASSES);
            for (int i = 0; i < size; i++) {
                INDArray xt = x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).transpose(); // [T, IN]
                INDArray score = org.nd4j.linalg.ops.transforms.Transforms.tanh(xt.mmul(a)).mean(0).reshape(1, 8).mmul(bm);
                y.putScalar(i, score.argMax(1).getInt(0), 1);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    @Test
    void aTransformerStyleGraphWithSelfAttentionExpandsExactlyAndTrainsOnlyItsCopies() throws Exception {
        ComputationGraph cg = ResidualGraphs.parallelTransformer(IN, 8, 2, 16, 3, CLASSES, new Adam(1e-2), 5);
        sequences(1, 0, 4, 16).forEach(cg::fit);
        List<GraphBlock> blocks = GraphBlocks.find(cg);
        assertEquals(3, blocks.size());
        assertEquals(List.of("b1_attn", "b1_proj"), blocks.get(1).outputLayers());
        assertEquals(List.of("b1_attn_Wo", "b1_proj_W", "b1_proj_b"), GraphBlocks.zeroingParams(cg, blocks.get(1)));

        Map<String, INDArray> before = snapshot(cg);
        ProbeResult probe = new GraphProber(2).probe(cg, blocks, new ListDataSetIterator<>(sequences(2, 0, 2, 16)));
        before.forEach((k, v) -> assertEquals(v, cg.getParam(k), k + " restored"));
        assertTrue(probe.layers().stream().allMatch(l -> Double.isFinite(l.deltaLoss())));

        DataSet check = sequences(3, 0, 1, 8).get(0);
        GraphExpander.Expansion ex = GraphExpander.expand(cg, blocks, Placement.explicit(new int[]{1}, 3), check);
        assertEquals(0.0, ex.manifest().maxAbsLogitDiff(), 0.0);
        assertTrue(ex.manifest().zeroedTensors().containsAll(List.of("b1_attn_copy_Wo", "b1_proj_copy_W")));
        assertFalse(ex.manifest().zeroedTensors().contains("b1_attn_copy_Wq"), "q/k/v keep the source's values");
        ComputationGraph big = ex.graph();
        assertCopyGradientsAreTrue(big, ex.manifest().trainableTensors(), check);
        Map<String, INDArray> start = snapshot(big);
        ImportanceRefreshListener refresh = new ImportanceRefreshListener(sequences(2, 0, 2, 16),
                ex.manifest().trainableTensors(), GraphImportance.seedImportance(cg, sequences(2, 0, 2, 16), ex.seedFrom()),
                io.adept4j.stage2.Granularity.NEURON, TuneConfig.defaults(10, 8, 1).lrPolicy(), 2);
        refresh.refresh(big);
        big.setListeners(refresh);
        sequences(4, 1, 4, 16).forEach(big::fit);
        assertEquals(3, refresh.refreshes().size(), "one before training, one every 2 iterations");
        for (Map.Entry<String, INDArray> e : start.entrySet()) {
            if (ex.manifest().trainableTensors().contains(e.getKey())) {
                assertNotEquals(e.getValue(), big.getParam(e.getKey()), e.getKey() + " trains");
            } else {
                assertArrayEquals(TestData.bits(e.getValue()), TestData.bits(big.getParam(e.getKey())), e.getKey() + " frozen");
            }
        }
        File f = tmp.resolve("tx.zip").toFile();
        ModelSerializer.writeModel(big, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(big.params(), back.params());
        assertEquals(big.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
    }

    @Test
    void neuronUnitsFollowDl4jLayouts() {
        Granularity neuron = Granularity.NEURON;
        INDArray dense = Nd4j.createFromArray(new float[][]{{1, 2}, {3, 4}, {5, 6}});          // [nIn=3, nOut=2]
        // a unit's importance is the MEAN over its elements, as the paper and the SameDiff path: (1+3+5)/3, (2+4+6)/3
        assertEquals(Nd4j.createFromArray(3f, 4f), neuron.units(dense, WeightLayout.IN_OUT));
        assertEquals(3.5, Granularity.TENSOR.units(dense, WeightLayout.IN_OUT).getDouble(0), 1e-6);
        INDArray bias = Nd4j.createFromArray(new float[][]{{7, 8}});                           // [1, nOut=2]
        assertEquals(Nd4j.createFromArray(7f, 8f), neuron.units(bias, WeightLayout.IN_OUT));
        INDArray conv = Nd4j.arange(24).castTo(DataType.FLOAT).reshape(2, 3, 4, 1);            // [nOut=2, nIn=3, k=4, 1]
        INDArray u = neuron.units(conv, WeightLayout.IN_OUT);
        assertEquals(Nd4j.createFromArray(5.5f, 17.5f), u);                                     // means of 0..11, 12..23
        INDArray back = neuron.expand(u, conv.shape(), WeightLayout.IN_OUT);
        assertEquals(5.5f, back.getFloat(0, 2, 3, 0), 0f);
        assertEquals(17.5f, back.getFloat(1, 0, 0, 0), 0f);
        INDArray denseBack = neuron.expand(Nd4j.createFromArray(9f, 12f), dense.shape(), WeightLayout.IN_OUT);
        assertEquals(Nd4j.createFromArray(new float[][]{{9, 12}, {9, 12}, {9, 12}}), denseBack);
    }

    /**
     * The same element importances, laid out as each backend stores the weight (SameDiff {@code [out, in]} and a
     * vector bias; DL4J {@code [nIn, nOut]} in its own 'f' order and a {@code [1, nOut]} bias), give the same
     * multipliers for every granularity and policy through the one pipeline both backends call.
     */
    @Test
    void bothBackendsTurnTheSameImportancesIntoTheSameMultipliers() {
        Nd4j.getRandom().setSeed(5);
        INDArray outIn = Nd4j.rand(DataType.DOUBLE, 5, 3).muli(Nd4j.rand(DataType.DOUBLE, 5, 3)); // heavy-ish tail
        INDArray bias = Nd4j.rand(DataType.DOUBLE, 5);
        Map<String, INDArray> sameDiff = new java.util.LinkedHashMap<>();
        sameDiff.put("w", outIn);
        sameDiff.put("b", bias);
        Map<String, INDArray> dl4j = new java.util.LinkedHashMap<>();
        dl4j.put("w", outIn.transpose().dup('f'));
        dl4j.put("b", bias.reshape(1, 5));
        for (Policy name : Policy.values()) {
            for (Granularity g : Granularity.values()) {
                LrPolicy policy = name.policy(0.5, 2.0, 0.1);
                INDArray[] sd = multipliers(LearningRateMultipliers.of(sameDiff, WeightLayout.OUT_IN, g, policy));
                INDArray[] dl = multipliers(LearningRateMultipliers.of(dl4j, WeightLayout.IN_OUT, g, policy));
                assertArrayEquals(new long[]{3, 5}, dl[0].shape(), "DL4J's multipliers keep its layout");
                assertTrue(sd[0].equalsWithEps(dl[0].transpose(), 1e-12), name + " " + g + " w: " + sd[0] + " vs " + dl[0]);
                assertTrue(sd[1].equalsWithEps(dl[1].reshape(5), 1e-12), name + " " + g + " b: " + sd[1] + " vs " + dl[1]);
                if (name != Policy.UNIFORM && g != Granularity.TENSOR) {
                    assertTrue(sd[0].maxNumber().doubleValue() > sd[0].minNumber().doubleValue(),
                            name + " " + g + ": the units got different multipliers");
                }
            }
        }
    }

    private static INDArray[] multipliers(LearningRateMultipliers m) {
        return new INDArray[]{m.perElement().get("w"), m.perElement().get("b")};
    }
}
