package io.adept4j.sweep;

import io.adept4j.datavec.corpus.Document;

import java.util.List;

/**
 * Where a sweep's candidates run: in this JVM ({@link #local}, the default) or elsewhere, e.g. as Spark tasks
 * ({@code io.adept4j.spark.SparkCandidates} in the {@code adept4j-spark} module). The sweep's generator, time budget,
 * scores and Pareto front stay with the caller; an executor only turns a {@link CandidateJob} into its outcome.
 */
public interface CandidateExecutor {

    /** Runs the job (its {@code result.json} written under the sweep's folder) and returns its outcome. */
    CandidateOutcome execute(CandidateJob job);

    /** Candidates this executor can run at once; 0 when the sweep's own {@code parallelism} decides. */
    default int slots() {
        return 0;
    }

    /** Runs candidates in this JVM on these corpora. */
    static CandidateExecutor local(List<Document> general, List<Document> domain) {
        return job -> job.run(general, domain);
    }
}
