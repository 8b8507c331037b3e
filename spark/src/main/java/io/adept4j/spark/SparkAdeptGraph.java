package io.adept4j.spark;

import io.adept4j.graph.AdeptGraph;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Data-parallel ADEPT tuning of a DL4J {@code ComputationGraph} with DL4J's own Spark training: the graph
 * {@link AdeptGraph} made (originals frozen, copies with split learning rates) trains as a {@code SparkComputationGraph}
 * under a {@code ParameterAveragingTrainingMaster}. One round is one pass over the domain RDD; between rounds the driver
 * refreshes the copies' learning-rate multipliers from general importance on its own copy of the averaged graph. The
 * multipliers live in the updater state, which the training master ships to every worker with the parameters at the
 * start of a round and averages back at its end, so every worker trains with the multipliers of the latest refresh.
 * Frozen originals get no update on any worker, so averaging leaves them as they were.
 *
 * <pre>{@code
 * AdeptGraph.Result adept = new AdeptGraph(base).general(generalBatches).copies(2).build();
 * ComputationGraph tuned = new SparkAdeptGraph(sc, adept, 16, 4).fit(domainRdd, 3);
 * }</pre>
 */
public final class SparkAdeptGraph {

    private static final Logger log = LoggerFactory.getLogger(SparkAdeptGraph.class);

    private final AdeptGraph.Result adept;
    private final SparkComputationGraph net;
    private final List<Double> roundScores = new ArrayList<>();

    /**
     * @param batchSizePerWorker examples per minibatch on each worker (the RDD's batches are split or merged to it)
     * @param averagingFrequency minibatches each worker fits between two parameter averagings
     * @throws IllegalArgumentException for a size or frequency below 1
     */
    public SparkAdeptGraph(JavaSparkContext sc, AdeptGraph.Result adept, int batchSizePerWorker, int averagingFrequency) {
        if (batchSizePerWorker < 1 || averagingFrequency < 1) {
            throw new IllegalArgumentException("batchSizePerWorker and averagingFrequency must be at least 1, got "
                    + batchSizePerWorker + " and " + averagingFrequency);
        }
        this.adept = adept;
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                .saveUpdater(true) // Adam's moments and the multipliers (updater state) come back averaged
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartionData(Repartition.Never) // keep the caller's partitioning: one worker per partition
                .build();
        this.net = new SparkComputationGraph(sc, adept.graph(), master);
    }

    /**
     * Trains {@code rounds} passes over {@code domain}, refreshing the multipliers after each but the last (under the
     * {@code uniform} policy there is nothing to refresh).
     *
     * @return the trained graph (the driver's copy, with the averaged parameters and updater state)
     */
    public ComputationGraph fit(JavaRDD<DataSet> domain, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        }
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            net.fit(domain);
            roundScores.add(net.getScore());
            boolean refresh = adept.refresher() != null && r < rounds - 1;
            if (refresh) {
                adept.refresher().refresh(net.getNetwork());
            }
            log.info(String.format("[spark-graph] round %d/%d: score %.4f, %.1f s%s", r + 1, rounds, net.getScore(),
                    (System.nanoTime() - t0) / 1e9, refresh ? ", multipliers refreshed" : ""));
        }
        return net.getNetwork();
    }

    /** The averaged graph on the driver. */
    public ComputationGraph graph() {
        return net.getNetwork();
    }

    /** The training score after each round so far. */
    public List<Double> roundScores() {
        return List.copyOf(roundScores);
    }
}
