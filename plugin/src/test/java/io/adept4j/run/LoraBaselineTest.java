package io.adept4j.run;

import io.adept4j.model.CausalLm;
import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LoraAdapters;
import io.adept4j.model.ModelStore;
import io.adept4j.samediff.AdeptTrainer;
import io.adept4j.stage2.Policy;
import io.adept4j.stage2.TuneConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PT-LoRA in the harness: a fresh adapter is an exact no-op, only adapters train, and the merged model is the same function. */
class LoraBaselineTest {

    @TempDir
    Path tmp;

    @Test
    void adaptersStartAsANoOpTrainAloneAndMergeIntoAPlainModel() throws Exception {
        Method.Context ctx = FreezingBaselinesTest.context();
        CausalLm base = ctx.base();
        INDArray ids = ctx.check().getFeatures();
        Method.Plan p = Methods.get("lora").plan(ctx);
        assertEquals(LoraAdapters.MODULES.size() * 2 * base.config().numLayers(), p.trainable().size());
        assertTrue(p.trainable().stream().allMatch(LoraAdapters::isAdapter), p.trainable().toString());
        assertEquals(base.logits(ids), p.model().logits(ids), "B = 0: the adapted model computes the base's logits");

        Map<String, INDArray> before = new HashMap<>();
        LlamaLayout.tensors(base.config()).keySet().forEach(t -> before.put(t, p.model().tensor(t).dup()));
        TuneConfig tc = TuneConfig.builder(3, 4, 5).learningRate(1e-2).policy(Policy.UNIFORM).evaluation(3, 1).build();
        AdeptTrainer.Result r = new AdeptTrainer(tc).quiet().run(p.model(), p.trainable(), Map.of(),
                FreezingBaselinesTest.math, FreezingBaselinesTest.general);
        long adapterParameters = p.trainable().stream().mapToLong(t -> p.model().tensor(t).length()).sum();
        assertEquals(adapterParameters, r.trainableParameters());
        before.forEach((t, w) -> assertEquals(w, p.model().tensor(t), t + " is frozen"));
        INDArray adapted = p.model().logits(ids);
        assertTrue(adapted.sub(base.logits(ids)).amaxNumber().doubleValue() > 0, "the adapters learned something");

        CausalLm merged = LoraAdapters.merged(p.model());
        assertNull(merged.config().lora(), "merged: a plain model");
        assertEquals(LlamaLayout.tensors(base.config()).keySet(), merged.weights().keySet());
        double diff = merged.logits(ids).sub(adapted).amaxNumber().doubleValue();
        assertTrue(diff < 1e-4, "merged and adapted logits differ by " + diff);
        ModelStore.save(p.model(), tmp.resolve("saved"));
        CausalLm loaded = ModelStore.load(tmp.resolve("saved"));
        assertNull(loaded.config().lora(), "what is saved is the merged, plain model");
        assertTrue(loaded.logits(ids).sub(adapted).amaxNumber().doubleValue() < 1e-4);
    }
}
