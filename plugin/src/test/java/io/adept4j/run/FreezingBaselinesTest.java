package io.adept4j.run;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LmConfig;
import io.adept4j.samediff.AdeptTrainer;
import io.adept4j.samediff.LayerProber;
import io.adept4j.samediff.UnitImportance;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.stage2.Policy;
import io.adept4j.stage2.TuneConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The freezing baselines train what their names say, as many parameters as ADEPT's copies, and nothing else. */
class FreezingBaselinesTest {

    static List<Document> math;
    static List<Document> general;
    static CausalLm base;
    static Method.Context ctx;

    /** The shared tiny base's context (built once). */
    static Method.Context context() {
        if (ctx == null) {
            tinyBase();
        }
        return ctx;
    }

    @BeforeAll
    static synchronized void tinyBase() {
        if (ctx != null) {
            return;
        }
        String dir = System.getProperty("adept4j.corpora", "../corpora");
        math = CorpusReader.read(Path.of(dir, "math.jsonl.gz")).documents().subList(0, 30);
        general = CorpusReader.read(Path.of(dir, "general.jsonl.gz")).documents().subList(0, 6);
        LmConfig cfg = new LmConfig(257, 32, 3, 2, 1, 16, 64, 32, 1e4, 1e-5, true, false, false,
                new ByteTokenizer().spec());
        base = CausalLm.build(cfg, CausalLm.initWeights(cfg, 1), 32, DataType.FLOAT);
        TokenWindows w = LayerProber.trainingSideWindows(general, new ByteTokenizer(), 32, 7);
        ProbeResult probe = new LayerProber(4, 2).probe(base, w);
        List<DataSet> batches = new ArrayList<>();
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(w, 4, BatchLayout.SAMEDIFF, 257, true, 8);
        while (it.hasNext() && batches.size() < 2) {
            batches.add(it.next());
        }
        ctx = new Method.Context(base, probe, 1, batches.get(0), batches, RunConfig.defaults(), 42);
    }

    static long blockParameters(LmConfig c, int b) {
        return LlamaLayout.blockTensors(c, b).values().stream()
                .mapToLong(s -> java.util.Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
    }

    @Test
    void freezeBottomTrainsTheTopBlocksAndFreezeTopTheBottomOnes() {
        Method.Plan bottom = Methods.get("freeze-bottom").plan(ctx);
        assertEquals(List.copyOf(LlamaLayout.blockTensors(base.config(), 2).keySet()), bottom.trainable());
        Method.Plan top = Methods.get("freeze-top").plan(ctx);
        assertEquals(List.copyOf(LlamaLayout.blockTensors(base.config(), 0).keySet()), top.trainable());
        assertFalse(bottom.decoupled() || top.decoupled(), "one learning rate");
        Method.Context tooMany = new Method.Context(base, ctx.probe(), 4, ctx.check(), ctx.general(), ctx.config(), 42);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Methods.get("freeze-bottom").plan(tooMany))
                .getMessage().contains("K must be between 1 and the number of blocks (3), got 4"));
    }

    /**
     * The shield trains ADEPT's budget in the least important input columns; after training, every shielded column is
     * bit-identical and the trained ones moved.
     */
    @Test
    void columnShieldFreezesTheMostImportantColumnsAndTrainsTheRest() {
        Method.Plan p = Methods.get("column-shield").plan(ctx);
        long budget = blockParameters(base.config(), 0); // K = 1 copy
        long trained = p.frozenMask().values().stream().mapToLong(m -> Math.round(m.sumNumber().doubleValue())).sum();
        assertTrue(Math.abs(trained - budget) <= budget / 10, trained + " trained elements for a budget of " + budget);
        UnitImportance.Result imp = UnitImportance.compute(p.model(), ctx.general(), p.trainable(), Map.of());
        for (String t : p.trainable()) {
            INDArray mask = p.frozenMask().get(t);
            INDArray column = imp.elements().get(t).mean(0);
            int most = column.argMax().getInt(0);
            int least = column.neg().argMax().getInt(0);
            assertEquals(0.0, mask.getColumn(most).maxNumber().doubleValue(), 0.0, t + ": the most important column is shielded");
            assertEquals(1.0, mask.getColumn(least).minNumber().doubleValue(), 0.0, t + ": the least important one trains");
        }
        Map<String, INDArray> before = new java.util.HashMap<>();
        p.trainable().forEach(t -> before.put(t, p.model().tensor(t).dup()));
        TuneConfig tc = TuneConfig.builder(3, 4, 5).learningRate(1e-2).policy(Policy.UNIFORM).evaluation(3, 1).build();
        AdeptTrainer.Result r = new AdeptTrainer(tc).quiet().withFrozenMask(p.frozenMask())
                .run(p.model(), p.trainable(), Map.of(), math, general);
        assertEquals(trained, r.trainableParameters(), "the report counts the elements that can change");
        for (String t : p.trainable()) {
            INDArray mask = p.frozenMask().get(t);
            INDArray moved = p.model().tensor(t).sub(before.get(t)).neq(0).castTo(DataType.FLOAT);
            assertEquals(0.0, moved.mul(mask.rsub(1.0)).sumNumber().doubleValue(), 0.0, t + ": a shielded element moved");
            assertTrue(moved.mul(mask).sumNumber().doubleValue() > 0, t + ": nothing in the trained columns moved");
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AdeptTrainer(tc.toBuilder()
                .policy(Policy.RANK).build()).withFrozenMask(p.frozenMask())).getMessage().contains("uniform policy"));
    }
}
