package io.adept4j.spark;

import io.adept4j.datavec.corpus.Document;
import io.adept4j.sweep.CandidateExecutor;
import io.adept4j.sweep.CandidateJob;
import io.adept4j.sweep.CandidateOutcome;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs sweep candidates as Apache Spark tasks: one single-task job per candidate, submitted by the sweep's runner threads,
 * so the cluster runs as many candidates at once as it has task slots. The corpora reach the executors once, as Spark
 * broadcast variables; each candidate writes its {@code result.json} into the sweep's folder, which must therefore be
 * on storage every executor sees (a local folder for {@code local[N]}, a shared mount or HDFS-backed path otherwise).
 * A candidate whose task fails is recorded with Spark's error and the sweep goes on.
 */
public final class SparkCandidates implements CandidateExecutor, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SparkCandidates.class);

    private final JavaSparkContext sc;
    private final Broadcast<List<Document>> general;
    private final Broadcast<List<Document>> domain;

    private SparkCandidates(JavaSparkContext sc, List<Document> general, List<Document> domain) {
        this.sc = sc;
        this.general = sc.broadcast(new ArrayList<>(general));
        this.domain = sc.broadcast(new ArrayList<>(domain));
    }

    /**
     * Connects to {@code master} ({@code local[N]}, {@code spark://host:7077}, {@code yarn}) and broadcasts the corpora.
     * A local master binds to the loopback address only and runs without Spark's web UI.
     *
     * @throws IllegalArgumentException for an empty master
     */
    public static SparkCandidates start(String master, List<Document> general, List<Document> domain) {
        if (master == null || master.isBlank()) {
            throw new IllegalArgumentException("a Spark master is needed: local[2], spark://HOST:7077 or yarn");
        }
        SparkConf conf = new SparkConf().setMaster(master).setAppName("adept sweep")
                .set("spark.ui.enabled", "false")
                .set("spark.task.maxFailures", "1"); // a failed candidate is recorded, not retried
        if (master.startsWith("local")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
        log.info(String.format("[sweep] Spark master %s, %d task slots", master, sc.defaultParallelism()));
        return new SparkCandidates(sc, general, domain);
    }

    @Override
    public CandidateOutcome execute(CandidateJob job) {
        Broadcast<List<Document>> g = general; // locals: the task must not capture this (unserialisable) object
        Broadcast<List<Document>> d = domain;
        try {
            sc.setJobDescription("candidate " + job.index() + " " + job.point().key());
            return sc.parallelize(List.of(job), 1).map(j -> j.run(g.value(), d.value())).collect().get(0);
        } catch (Exception e) { // Spark's SparkException is checked but thrown undeclared from Scala
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return job.failed("Spark task failed: " + root);
        }
    }

    /** The cluster's default parallelism: candidates that can run at once. */
    @Override
    public int slots() {
        return sc.defaultParallelism();
    }

    @Override
    public void close() {
        sc.stop();
    }
}
