package io.adept4j.spark;

import io.adept4j.TestData;
import io.adept4j.graph.AdeptGraph;
import io.adept4j.graph.GraphSplitLearningRates;
import io.adept4j.graph.ResidualGraphs;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ADEPT tuning of a ComputationGraph on a real embedded Spark standalone cluster ({@code local-cluster[2,1,1024]}: a
 * master and two workers in this JVM, each worker's executor a JVM of its own, so the graph, its split updater and its
 * state cross processes as on a cluster), with DL4J's {@code SparkComputationGraph} and parameter averaging: the frozen
 * originals stay bit-identical through Spark rounds, copy elements whose multiplier is 0 stay bit-identical while the
 * others train, and the multipliers of a refresh on the driver reach the workers (they come back from averaging
 * unchanged, and the elements they freeze do not move).
 */
class SparkAdeptGraphTest {

    static final int IN = 6;
    static final int CLASSES = 3;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkContexts.start("local-cluster[2,1,1024]", "graph test");
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    /** A linear teacher's classes of Gaussian inputs shifted by {@code shift} (the domain: another shift). */
    static List<DataSet> task(long seed, double shift, int batches, int size) {
        return TestData.linearTask(seed, shift, batches, size, IN, CLASSES);
    }

    static AdeptGraph.Result expanded() {
        ComputationGraph base = ResidualGraphs.residualMlp(IN, 8, 12, 3, CLASSES, new Adam(1e-2), 7);
        List<DataSet> general = task(1, 0, 8, 32);
        for (int epoch = 0; epoch < 5; epoch++) {
            general.forEach(base::fit);
        }
        return new AdeptGraph(base).general(general).copies(1).learningRate(1e-2).refreshEvery(1000).build();
    }

    static Map<String, INDArray> params(ComputationGraph cg) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        cg.paramTable().forEach((k, v) -> m.put(k, v.dup()));
        return m;
    }

    static JavaRDD<DataSet> domain() {
        return sc.parallelize(task(2, 2.0, 8, 32), 2);
    }

    @Test
    void frozenOriginalsAndZeroMultipliersStayBitIdenticalThroughSparkRounds() {
        AdeptGraph.Result adept = expanded();
        List<String> copies = adept.expansion().manifest().trainableTensors();
        ComputationGraph cg = adept.graph();
        // multiplier 0 on the first half of every copy parameter, 2 on the rest
        Map<String, INDArray> masks = new LinkedHashMap<>();
        for (String key : copies) {
            INDArray p = cg.getParam(key);
            float[] m = new float[(int) p.length()];
            java.util.Arrays.fill(m, m.length / 2, m.length, 2f);
            masks.put(key, Nd4j.createFromArray(m).castTo(p.dataType()).reshape(p.shape()));
        }
        GraphSplitLearningRates.apply(cg, masks);
        Map<String, INDArray> before = params(cg);

        SparkAdeptGraph spark = new SparkAdeptGraph(sc, adept, 16, 2);
        ComputationGraph tuned = spark.fit(domain(), 1);
        Map<String, INDArray> after = params(tuned);

        int frozenChecked = 0;
        long moved = 0;
        for (String key : before.keySet()) {
            INDArray b = before.get(key).reshape(before.get(key).length());
            INDArray a = after.get(key).reshape(after.get(key).length());
            if (!copies.contains(key)) {
                assertEquals(b, a, key + ": a frozen original is bit-identical after a Spark round");
                frozenChecked++;
                continue;
            }
            INDArray m = masks.get(key).reshape(masks.get(key).length());
            for (long i = 0; i < b.length(); i++) {
                if (m.getDouble(i) == 0.0) {
                    assertEquals(b.getFloat(i), a.getFloat(i), 0.0f, key + "[" + i + "]: multiplier 0 keeps it");
                } else if (b.getFloat(i) != a.getFloat(i)) {
                    moved++;
                }
            }
        }
        assertTrue(frozenChecked > copies.size(), "originals checked: " + frozenChecked);
        assertTrue(moved > 0, "copy elements with multiplier 2 trained on Spark");
        assertTrue(Double.isFinite(spark.roundScores().get(0)), "a score: " + spark.roundScores());
    }

    @Test
    void aRefreshOnTheDriverReachesTheWorkers() {
        AdeptGraph.Result adept = expanded();
        SparkAdeptGraph spark = new SparkAdeptGraph(sc, adept, 16, 2);
        JavaRDD<DataSet> domain = domain();
        spark.fit(domain, 2);
        assertEquals(1, adept.refresher().refreshes().size(), "refreshed between the two rounds");

        Map<String, INDArray> multipliers = adept.refresher().refresh(spark.graph());
        Map<String, INDArray> before = params(spark.graph());
        spark.fit(domain, 1);
        Map<String, INDArray> after = params(spark.graph());
        Map<String, INDArray> back = new LinkedHashMap<>();
        int zeros = 0;
        for (Map.Entry<String, INDArray> e : multipliers.entrySet()) {
            String key = e.getKey();
            INDArray m = e.getValue().reshape(e.getValue().length());
            INDArray b = before.get(key).reshape(m.length());
            INDArray a = after.get(key).reshape(m.length());
            for (long i = 0; i < m.length(); i++) {
                if (m.getDouble(i) == 0.0) {
                    zeros++;
                    assertEquals(b.getFloat(i), a.getFloat(i), 0.0f, key + "[" + i + "]: the refresh's 0 reached every worker");
                }
            }
            back.put(key, m);
        }
        assertTrue(zeros > 0, "the rank policy gives each tensor's most general-critical unit a multiplier of 0");
        // and the averaged updater state brings the same multipliers back to the driver
        Map<String, INDArray> again = GraphSplitLearningRates.read(spark.graph(), back.keySet());
        for (String key : back.keySet()) {
            INDArray x = back.get(key);
            INDArray y = again.get(key).reshape(x.length());
            assertTrue(x.equalsWithEps(y, 1e-6), key + ": multipliers after averaging equal the refresh's");
        }
    }
}
