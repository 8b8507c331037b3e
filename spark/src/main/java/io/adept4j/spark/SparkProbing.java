package io.adept4j.spark;

import io.adept4j.datavec.window.WindowSource;
import io.adept4j.listeners.GradientImportance;
import io.adept4j.model.CausalLm;
import io.adept4j.model.ModelSnapshot;
import io.adept4j.samediff.LayerProber;
import io.adept4j.samediff.UnitImportance;
import io.adept4j.stage1.ProbeResult;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * ADEPT's passes over general text that are sums over batches, sharded on Spark: the layer probe (ΔL of every block)
 * and the gradient sums behind unit importance. The batches become an RDD of {@code shards} partitions, the model
 * reaches the executors as a broadcast {@link ModelSnapshot}, each executor scores its shard, and the driver combines
 * the per-batch results exactly as the single-machine pass does: the probe from per-batch ΔL
 * ({@link LayerProber#combine}), importance by adding the shards' |∂L/∂w| sums in shard order. The same batches give
 * the same probe and the same importance (up to the order of float additions) on one machine or many.
 *
 * <p>The batches are built on the driver from the probe set and shipped once; the model is broadcast once per pass (an
 * importance refresh during tuning broadcasts the weights of that moment). A sharded probe's
 * {@code forwardEquivalents} divides its wall time by the forward time summed over all shards, so it is lower than one
 * machine's for the same work.
 */
public final class SparkProbing {

    private static final Logger log = LoggerFactory.getLogger(SparkProbing.class);

    private SparkProbing() {
    }

    /** One batch and its position in the probe set. */
    private record Numbered(int index, DataSet batch) implements Serializable {
    }

    /**
     * The layer probe of {@code model} on {@code probe} windows, its batches (as {@code prober} cuts them) measured on
     * {@code shards} Spark partitions.
     *
     * @throws IllegalArgumentException for fewer than one shard, windows of another length, or no batch
     */
    public static ProbeResult probe(JavaSparkContext sc, CausalLm model, WindowSource probe, LayerProber prober,
                                    int shards) {
        requireShards(shards);
        long t0 = System.nanoTime();
        List<Numbered> batches = new ArrayList<>();
        for (Iterator<DataSet> it = prober.batches(model, probe); it.hasNext(); ) {
            batches.add(new Numbered(batches.size(), it.next()));
        }
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("the probe set has no batch");
        }
        int partitions = Math.min(shards, batches.size());
        Broadcast<ModelSnapshot> snapshot = sc.broadcast(ModelSnapshot.of(model));
        int threads = CausalLm.threads(); // an executor in its own JVM computes as this one does
        try {
            sc.setJobDescription("layer probe, " + batches.size() + " batches");
            List<LayerProber.BatchDelta> measured = sc.parallelize(batches, partitions)
                    .mapPartitions((Iterator<Numbered> part) -> {
                        CausalLm.defaultThreads(threads);
                        List<Numbered> mine = new ArrayList<>();
                        part.forEachRemaining(mine::add);
                        if (mine.isEmpty()) {
                            return new ArrayList<LayerProber.BatchDelta>().iterator();
                        }
                        // a partition is a contiguous run of the probe set's batches
                        return LayerProber.measure(snapshot.value().build(),
                                mine.stream().map(Numbered::batch).iterator(), mine.get(0).index()).iterator();
                    }).collect();
            ProbeResult result = LayerProber.combine(model, measured, (System.nanoTime() - t0) / 1e9);
            log.info(String.format("[probe] %d batches on %d Spark shards in %.1f s", result.batches(), partitions,
                    result.wallSeconds()));
            return result;
        } finally {
            snapshot.destroy();
        }
    }

    /**
     * The gradient sums of unit importance over {@code batches}, computed on {@code shards} Spark partitions for the
     * model's weights at the time of each call (so one source serves every importance refresh of a tuning run). The
     * batches are shipped once and kept by the executors until {@link ShardedGradients#close}.
     *
     * @throws IllegalArgumentException for fewer than one shard or no batch
     */
    public static ShardedGradients gradients(JavaSparkContext sc, CausalLm model, List<DataSet> batches, int shards) {
        requireShards(shards);
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("unit importance needs at least one general probe batch");
        }
        JavaRDD<DataSet> rdd = sc.parallelize(new ArrayList<>(batches), Math.min(shards, batches.size()))
                .persist(StorageLevel.MEMORY_ONLY());
        return new ShardedGradients(sc, model, rdd);
    }

    /** Gradient sums over batches held by Spark executors; {@link #close} releases them. */
    public static final class ShardedGradients implements UnitImportance.GeneralGradients, AutoCloseable {

        private final JavaSparkContext sc;
        private final CausalLm model;
        private final JavaRDD<DataSet> batches;

        private ShardedGradients(JavaSparkContext sc, CausalLm model, JavaRDD<DataSet> batches) {
            this.sc = sc;
            this.model = model;
            this.batches = batches;
        }

        @Override
        public GradientImportance sums(Collection<String> tensors) {
            List<String> asked = List.copyOf(tensors);
            Broadcast<ModelSnapshot> snapshot = sc.broadcast(ModelSnapshot.of(model));
            int threads = CausalLm.threads(); // an executor in its own JVM computes as this one does
            try {
                sc.setJobDescription("importance gradients of " + asked.size() + " tensors");
                // one accumulator per shard, combined in shard order on the driver (deterministic, unlike reduce)
                List<GradientImportance> shards = batches.mapPartitions((Iterator<DataSet> part) -> {
                    CausalLm.defaultThreads(threads);
                    GradientImportance acc = new GradientImportance();
                    if (part.hasNext()) {
                        CausalLm replica = snapshot.value().build();
                        part.forEachRemaining(b -> acc.addAll(replica.lossAndGradients(b, asked).gradients()));
                    }
                    return List.of(acc).iterator();
                }).collect();
                GradientImportance all = new GradientImportance();
                shards.forEach(all::merge);
                log.info(String.format("[importance] gradient sums of %d tensors from %d Spark shards", asked.size(),
                        shards.size()));
                return all;
            } finally {
                snapshot.destroy();
            }
        }

        @Override
        public void close() {
            batches.unpersist(false);
        }
    }

    private static void requireShards(int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, got " + shards);
        }
    }
}
