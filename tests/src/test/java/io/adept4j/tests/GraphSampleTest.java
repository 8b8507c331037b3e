package io.adept4j.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adept4j.samples.GraphAdeptSample;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ComputationGraph sample end to end: ModelSerializer in, probe → expand → decoupled tuning, ModelSerializer out. */
class GraphSampleTest {

    @TempDir
    Path tmp;

    @Test
    void theSampleAdaptsASavedGraphAndSavesOneThatRestoresExactly() throws Exception {
        Path base = tmp.resolve("base.zip");
        Path out = tmp.resolve("out");
        GraphAdeptSample.main(new String[]{base.toString(), out.toString()});
        assertTrue(Files.isRegularFile(base), "the sample saved its base graph");
        JsonNode r = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        assertEquals(2, r.path("manifest").path("k").asInt());
        assertEquals(8, r.path("manifest").path("expandedLayers").asInt());
        assertTrue(r.path("domainLossAfter").asDouble() < r.path("domainLossBefore").asDouble(), r.toString());
        assertEquals(0.0, r.path("manifest").path("maxAbsLogitDiff").asDouble(), 0.0);

        assertTrue(io.adept4j.listeners.CheckpointListener.step(out.resolve("checkpoint")) > 0,
                "the sample's own checkpoint listener saved a step");
        ComputationGraph baseGraph = ModelSerializer.restoreComputationGraph(base.toFile(), true);
        ComputationGraph tuned = ModelSerializer.restoreComputationGraph(out.resolve("adept-graph.zip").toFile(), true);
        for (Map.Entry<String, INDArray> e : baseGraph.paramTable().entrySet()) {
            assertEquals(e.getValue(), tuned.getParam(e.getKey()), e.getKey() + " is the base's, unchanged");
        }
        Path again = tmp.resolve("again.zip");
        ModelSerializer.writeModel(tuned, again.toFile(), true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(again.toFile(), true);
        assertEquals(tuned.params(), back.params());
        assertEquals(tuned.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
    }
}
