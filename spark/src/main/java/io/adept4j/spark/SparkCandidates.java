package io.adept4j.spark;

import io.adept4j.datavec.corpus.Document;
import io.adept4j.model.CausalLm;
import io.adept4j.sweep.CandidateExecutor;
import io.adept4j.sweep.CandidateJob;
import io.adept4j.sweep.CandidateOutcome;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

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

    /** A candidate's error once Spark has stopped the application (Spark's own message quotes a stack trace). */
    static final String STOPPED = "the Spark application was stopped (executors that could not start, or a master that "
            + "removed it): see the Spark master's and workers' logs; a rerun with the same --out reuses finished candidates";

    private final JavaSparkContext sc;
    private final Broadcast<List<Document>> general;
    private final Broadcast<List<Document>> domain;

    private SparkCandidates(JavaSparkContext sc, List<Document> general, List<Document> domain) {
        this.sc = sc;
        this.general = sc.broadcast(new ArrayList<>(general));
        this.domain = sc.broadcast(new ArrayList<>(domain));
    }

    /**
     * Connects to {@code master} ({@code local[N]}, {@code local-cluster[W,C,MB]}, {@code spark://host:7077},
     * {@code yarn}; {@link SparkContexts#start}) and broadcasts the corpora.
     *
     * @throws IllegalArgumentException for an empty master
     */
    public static SparkCandidates start(String master, List<Document> general, List<Document> domain) {
        return start(master, java.util.Map.of(), general, domain);
    }

    /**
     * {@link #start(String, List, List)} with Spark settings of the user's
     * ({@link SparkContexts#start(String, String, java.util.Map)}).
     */
    public static SparkCandidates start(String master, java.util.Map<String, String> settings, List<Document> general,
                                        List<Document> domain) {
        return new SparkCandidates(SparkContexts.start(master, "adept sweep", settings), general, domain);
    }

    @Override
    public CandidateOutcome execute(CandidateJob job) {
        Broadcast<List<Document>> g = general; // locals: the task must not capture this (unserialisable) object
        Broadcast<List<Document>> d = domain;
        int threads = CausalLm.threads(); // an executor in its own JVM computes as this one does (results depend on it)
        try {
            sc.setJobDescription("candidate " + job.index() + " " + job.point().key());
            return sc.parallelize(List.of(job), 1).map(j -> {
                CausalLm.defaultThreads(threads);
                return j.run(g.value(), d.value());
            }).collect().get(0);
        } catch (Exception e) { // Spark's SparkException is checked but thrown undeclared from Scala
            if (sc.sc().isStopped()) { // also what a stopped context throws at once, with its creation stack trace
                return job.failed(STOPPED);
            }
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
