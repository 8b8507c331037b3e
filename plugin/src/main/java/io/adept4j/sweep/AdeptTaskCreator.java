package io.adept4j.sweep;

import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;

/**
 * Arbiter {@link TaskCreator} whose task runs one ADEPT candidate ({@code (point, index) → outcome}, e.g. through
 * {@code AdeptRun}) and scores it with the sweep's {@link org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction}.
 * Arbiter beta7 leaves saving to the task: the candidate function writes its own result.
 */
public final class AdeptTaskCreator implements TaskCreator {

    private final BiFunction<SweepPoint, Integer, CandidateOutcome> candidate;

    public AdeptTaskCreator(BiFunction<SweepPoint, Integer, CandidateOutcome> candidate) {
        this.candidate = candidate;
    }

    @Override
    public Callable<OptimizationResult> create(Candidate c, DataProvider data, ScoreFunction score,
                                               List<StatusListener> listeners, IOptimizationRunner runner) {
        return () -> {
            long start = System.currentTimeMillis();
            CandidateOutcome o;
            try {
                o = candidate.apply((SweepPoint) c.getValue(), c.getIndex());
            } catch (RuntimeException e) {
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                CandidateInfo info = new CandidateInfo(c.getIndex(), CandidateStatus.Failed, null, start, start,
                        System.currentTimeMillis(), c.getFlatParameters(), trace.toString());
                return new OptimizationResult(c, null, c.getIndex(), null, info, null);
            }
            double s = score.score(o, data, c.getDataParameters());
            CandidateInfo info = new CandidateInfo(c.getIndex(), o.error() == null ? CandidateStatus.Complete
                    : CandidateStatus.Failed, s, start, start, System.currentTimeMillis(), c.getFlatParameters(), o.error());
            return new OptimizationResult(c, s, c.getIndex(), o, info, null);
        };
    }

    @Override
    public Callable<OptimizationResult> create(Candidate c, Class<? extends DataSource> dataSource, Properties props,
                                               ScoreFunction score, List<StatusListener> listeners,
                                               IOptimizationRunner runner) {
        return create(c, (DataProvider) null, score, listeners, runner);
    }
}
