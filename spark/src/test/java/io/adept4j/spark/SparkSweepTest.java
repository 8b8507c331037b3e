package io.adept4j.spark;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.sweep.CandidateExecutor;
import io.adept4j.sweep.CandidateOutcome;
import io.adept4j.sweep.SweepRunner;
import io.adept4j.sweep.SweepSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sweep on a real embedded Spark ({@code local[2]}): the candidates run as Spark tasks, two at a time, and give the
 * same results as the same sweep run in this JVM; a rerun reuses them; a candidate whose task fails is recorded with
 * its error while the others finish.
 */
class SparkSweepTest {

    @TempDir
    Path tmp;

    static List<Document> general;
    static List<Document> math;

    @org.junit.jupiter.api.BeforeAll
    static void corpora() throws Exception {
        general = corpus("general");
        math = corpus("math");
    }

    private SweepSettings settings() throws Exception {
        String run = "{\"preset\": \"tiny\", \"tokenizer\": \"bpe:1024\", \"pretrainSteps\": 4, \"baseCache\": \""
                + tmp.resolve("cache") + "\", \"probeBatches\": 2, \"steps\": 3, \"evalBatches\": 1, "
                + "\"finalEvalBatches\": 2, \"tokenEvalBatches\": 1, \"refreshEvery\": 2}";
        Path f = tmp.resolve("sweep.json");
        Files.writeString(f, "{\"run\": " + run + ", \"search\": \"grid\", \"candidates\": 3, \"objective\": \"weighted\", "
                + "\"space\": {\"lrRatio\": {\"values\": [2, 4, 8]}}}");
        return SweepSettings.load(f, Map.of());
    }

    private static List<Document> corpus(String name) throws Exception {
        List<Document> all = CorpusReader.read(Path.of("..", "corpora", name + ".jsonl.gz")).documents();
        return all.subList(0, Math.min(all.size(), 400));
    }

    @Test
    void candidatesRunAsSparkTasksWithTheLocalResults() throws Exception {
        SweepSettings s = settings();
        // In this JVM first (this also pretrains the tiny base into the cache the Spark candidates then share).
        SweepRunner.Result local = new SweepRunner(s).run(CandidateExecutor.local(general, math), tmp.resolve("local"));
        Path out = tmp.resolve("spark");
        SweepRunner.Result spark;
        try (SparkCandidates exec = SparkCandidates.start("local[2]", general, math)) {
            assertEquals(2, exec.slots());
            spark = new SweepRunner(s).run(exec, out);
            SweepRunner.Result again = new SweepRunner(s).run(exec, out);
            assertEquals(3, again.reused(), "a rerun reuses every finished candidate");
        }
        assertSameCandidates(local, spark);
        assertEquals(local.paretoFront(), spark.paretoFront());
    }

    /** Three candidates each, in the same order, with the same losses to the last bit and a written result. */
    private static void assertSameCandidates(SweepRunner.Result local, SweepRunner.Result other) {
        assertEquals(3, local.candidates().size());
        assertEquals(3, other.candidates().size());
        for (int i = 0; i < 3; i++) {
            CandidateOutcome a = local.candidates().get(i);
            CandidateOutcome b = other.candidates().get(i);
            assertNull(b.error(), b.key());
            assertEquals(a.key(), b.key());
            assertEquals(a.generalLossAfter(), b.generalLossAfter(), 0.0, a.key() + ": same seed, same result");
            assertEquals(a.domainLossAfter(), b.domainLossAfter(), 0.0, a.key());
            assertTrue(Files.isRegularFile(Path.of(b.resultFile())), b.resultFile());
        }
    }

    /**
     * A standalone cluster: {@code local-cluster[1,2,1536]} starts a real Spark master and worker in this JVM, and the
     * worker starts the executor as its own JVM, from the class path, flags and environment {@link SparkContexts} gives
     * it (a worker on another machine does the same). Its candidates must give this JVM's results to the last bit.
     */
    @Test
    void candidatesInAnExecutorJvmOfAStandaloneClusterGiveTheLocalResults() throws Exception {
        SweepSettings s = settings();
        SweepRunner.Result local = new SweepRunner(s).run(CandidateExecutor.local(general, math), tmp.resolve("local"));
        SweepRunner.Result cluster;
        try (SparkCandidates exec = SparkCandidates.start("local-cluster[1,2,1536]", general, math)) {
            cluster = new SweepRunner(s).run(exec, tmp.resolve("cluster"));
        }
        assertSameCandidates(local, cluster);
    }

    /**
     * YARN: a real ResourceManager and NodeManager ({@link YarnCluster}) in this JVM; this process is the driver, the
     * application master and both executors run in containers the NodeManager launches as processes of their own, from
     * the class path and flags {@link SparkContexts} gives them. Their candidates must give this JVM's results to the
     * last bit.
     */
    @Test
    void candidatesInYarnContainersGiveTheLocalResults() throws Exception {
        SweepSettings s = settings();
        SweepRunner.Result local = new SweepRunner(s).run(CandidateExecutor.local(general, math), tmp.resolve("local"));
        SweepRunner.Result yarn;
        try (YarnCluster cluster = YarnCluster.start(tmp.resolve("yarn-cluster"));
             SparkCandidates exec = SparkCandidates.start(SparkContexts.YARN, general, math)) {
            yarn = new SweepRunner(s).run(exec, tmp.resolve("yarn"));
            assertTrue(cluster.containers() >= 3, "an application master and two executors in containers: "
                    + cluster.containers());
        }
        assertSameCandidates(local, yarn);
    }

    /** A sweep file's {@code spark.conf} (or {@code --spark-conf}) reaches the application, over adept4j's own choices. */
    @Test
    void theUsersSparkSettingsReachTheApplication() {
        try (SparkCandidates exec = SparkCandidates.start("local[1]", Map.of("spark.default.parallelism", "3"), general,
                math)) {
            assertEquals(3, exec.slots(), "three task slots, as set, on a one-thread master");
        }
    }

    @Test
    void aFailedTaskIsRecordedAndTheSweepGoesOn() throws Exception {
        SweepSettings s = settings();
        Path out = tmp.resolve("failing");
        SweepRunner.Result r;
        try (SparkCandidates exec = SparkCandidates.start("local[2]", general, math)) {
            // the first candidate's folder (lrRatio 2, read from the file as a double) is a plain file: writing its
            // result fails inside its Spark task
            io.adept4j.sweep.CandidateJob first = new io.adept4j.sweep.CandidateJob(s.base().asMap(), s.method(),
                    new io.adept4j.sweep.SweepPoint(Map.of("lrRatio", 2.0)), 0, out.toString());
            Files.createDirectories(first.dir().getParent());
            Files.writeString(first.dir(), "not a folder");
            r = new SweepRunner(s).run(exec, out);
        }
        assertEquals(3, r.candidates().size());
        long failed = r.candidates().stream().filter(c -> c.error() != null).count();
        assertEquals(1, failed, r.candidates().toString());
        CandidateOutcome bad = r.candidates().stream().filter(c -> c.error() != null).findFirst().orElseThrow();
        assertTrue(bad.error().startsWith("Spark task failed"), bad.error());
        assertNotNull(r.best());
    }
}
