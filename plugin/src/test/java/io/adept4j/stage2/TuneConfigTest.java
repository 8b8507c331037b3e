package io.adept4j.stage2;

import io.adept4j.run.RunConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tuning settings: built by name, validated once, each default stated once and read by adept run. */
class TuneConfigTest {

    @Test
    void theBuilderStartsFromTheDefaultsAndValidatesOnce() {
        assertEquals(TuneConfig.defaults(200, 16, 7), TuneConfig.builder(200, 16, 7).build());
        TuneConfig t = TuneConfig.builder(200, 16, 7).learningRate(1e-3).lrRatio(3).build();
        assertEquals(Policy.SPLIT, t.policy());
        assertEquals(1.5, t.splitHi(), 1e-12);
        assertEquals(0.5, t.splitLo(), 1e-12);
        assertEquals(1e-3, t.learningRate(), 0);
        assertEquals(t, t.toBuilder().build());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TuneConfig.builder(200, 16, 7).lrRatio(0.5))
                .getMessage().contains(">= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Policy.parse("best"))
                .getMessage().contains("'policy' must be one of"));
        String bounds = assertThrows(IllegalArgumentException.class, () -> TuneConfig.builder(200, 16, 7)
                .policy(Policy.SPLIT).split(1.5, 2, 0.1).build()).getMessage();
        assertTrue(bounds.contains("'splitQuantile' must be in (0, 1)"), "split bounds are checked when the settings are "
                + "built, not at the first refresh: " + bounds);
    }

    @Test
    void adeptRunsDefaultsAreTheTuningDefaults() {
        RunConfig run = RunConfig.defaults();
        assertEquals(TuneConfig.DEFAULT_LEARNING_RATE, run.real("learningRate"), 0);
        assertEquals(TuneConfig.DEFAULT_INITIAL_PROBE, run.flag("initialProbe"));
        assertEquals(TuneConfig.DEFAULT_GRANULARITY, Granularity.parse(run.str("granularity")));
        assertEquals(TuneConfig.DEFAULT_POLICY, Policy.parse(run.str("policy")));
        assertEquals(TuneConfig.DEFAULT_EVAL_BATCHES, run.integer("evalBatches"));
        assertEquals(TuneConfig.DEFAULT_PROBE_BATCHES, run.integer("probeBatchesPerRefresh"));
        assertEquals(TuneConfig.DEFAULT_GUARD_NAME, run.str("guard"));
        TuneConfig fromRun = run.tuneConfig(16, true, false);
        TuneConfig defaults = TuneConfig.defaults(fromRun.steps(), 16, fromRun.seed());
        assertEquals(defaults.granularity(), fromRun.granularity());
        assertEquals(defaults.initialProbe(), fromRun.initialProbe());
        assertEquals(Policy.UNIFORM, run.tuneConfig(16, false, false).policy(), "a method without Stage 2 gets one learning rate");
    }
}
