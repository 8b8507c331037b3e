package io.adept4j.cli;

import io.adept4j.spark.SparkContexts;
import io.adept4j.sweep.SweepSettings;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Option;

/**
 * {@code --spark MASTER} and {@code --shards N} for commands whose general-text passes (the layer probe, importance
 * refreshes) can run sharded on Apache Spark. Checked before any input is read.
 */
final class SparkOption {

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Shard the pass over general text on Apache Spark: local[N], local-cluster[W,C,MB], spark://HOST:7077 or yarn (HADOOP_CONF_DIR).")
    String master;

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE", description = "A Spark setting (spark.…), e.g. "
            + "spark.executor.instances=4 (repeatable).")
    java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();

    @Option(names = "--shards", defaultValue = "0", paramLabel = "N",
            description = "Spark partitions of the general batches (default 0: the master's task slots).")
    int shards;

    /** Whether a master was given. */
    boolean enabled() {
        return master != null;
    }

    /**
     * Refuses, before any input is read (exit 2), a malformed master or shard count, {@code --shards} or
     * {@code --spark-conf} without {@code --spark}, and a master or setting {@link #requireMaster} refuses.
     */
    void validate() {
        if (master != null) {
            requireMaster("--spark", master, settings);
        }
        if (shards < 0) {
            throw new IllegalArgumentException("--shards must be 0 (the master's task slots) or more, got " + shards);
        }
        if (shards > 0 && master == null) {
            throw new IllegalArgumentException("--shards needs --spark MASTER");
        }
        if (!settings.isEmpty() && master == null) {
            throw new IllegalArgumentException("--spark-conf needs --spark MASTER");
        }
    }

    /**
     * A master given as {@code option} and its {@code --spark-conf} settings, checked as every command checks them: a
     * master adept4j accepts ({@link SweepSettings#isSparkMaster}), settings it accepts
     * ({@link SweepSettings#sparkSettingProblem}), and one this process can start ({@link SparkContexts#requireReachable}).
     */
    static void requireMaster(String option, String master, java.util.Map<String, String> settings) {
        if (!SweepSettings.isSparkMaster(master)) {
            throw new IllegalArgumentException(option + " " + SweepSettings.sparkMasterProblem(master));
        }
        settings.forEach((key, value) -> {
            String problem = SweepSettings.sparkSettingProblem(key, value);
            if (problem != null) {
                throw new IllegalArgumentException("--spark-conf " + problem);
            }
        });
        SparkContexts.requireReachable(master, settings);
    }

    /** Work on a started Spark context with the shard count chosen for it. */
    @FunctionalInterface
    interface OnSpark<T> {
        T run(JavaSparkContext sc, int shards) throws Exception;
    }

    /** Starts a context on the master (application name {@code app}), runs {@code work} on it, and stops it. */
    <T> T run(String app, OnSpark<T> work) throws Exception {
        try (JavaSparkContext sc = SparkContexts.start(master, app, settings)) {
            return work.run(sc, shards > 0 ? shards : Math.max(1, sc.defaultParallelism()));
        }
    }
}
