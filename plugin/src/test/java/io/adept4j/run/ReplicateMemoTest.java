package io.adept4j.run;

import io.adept4j.TestData;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.model.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs that share a {@link ReplicateMemo} measure the base once per replicate, reuse it only for the same base, corpora,
 * seed and measuring settings, and report the numbers a run on its own reports.
 */
class ReplicateMemoTest {

    @Test
    void runsOfTheSameReplicateShareTheBaseMeasurementsAndReportTheNumbersOfARunAlone(@TempDir Path tmp)
            throws Exception {
        String corpora = System.getProperty("adept4j.corpora", "../corpora");
        List<Document> general = CorpusReader.read(Path.of(corpora, "general.jsonl.gz")).documents().subList(0, 40);
        List<Document> math = CorpusReader.read(Path.of(corpora, "math.jsonl.gz")).documents().subList(0, 60);
        Path base = tmp.resolve("base");
        ModelStore.save(TestData.distinctBlocks(TestData.TINY_BYTE_MODEL, 3, 32), base);
        RunConfig cfg = RunConfig.defaults().with(Map.of("baseModel", base.toString(), "methods", List.of("adept"),
                "steps", 3L, "k", 1L, "batchSize", 4L, "probeBatches", 2L, "probeBatchesPerRefresh", 1L,
                "finalEvalBatches", 2L, "evalBatches", 1L, "tokenEvalBatches", 1L));

        AdeptRun.Result alone = new AdeptRun(cfg).run(general, math);
        ReplicateMemo memo = new ReplicateMemo();
        AdeptRun.Result first = new AdeptRun(cfg).withMemo(memo).run(general, math);
        AdeptRun.Result again = new AdeptRun(cfg).withMemo(memo).run(general, math);
        assertEquals(List.of(), first.reusedSeeds());
        assertEquals(List.of(42L), again.reusedSeeds());
        for (AdeptRun.Result r : List.of(first, again)) {
            assertSameNumbers(alone, r);
        }
        // other tuning knobs (a sweep's candidates): the same measurements serve
        AdeptRun.Result tuned = new AdeptRun(cfg.with(Map.of("k", 2L, "learningRate", 0.01, "steps", 2L)))
                .withMemo(memo).run(general, math);
        assertEquals(List.of(42L), tuned.reusedSeeds());
        assertEquals(alone.probe().layers(), tuned.probe().layers());
        assertEquals(alone.methods().get(0).domainLossBefore(), tuned.methods().get(0).domainLossBefore());

        // another seed, probe size, or corpus is another replicate: measured anew
        assertEquals(List.of(), new AdeptRun(cfg.with(Map.of("seed", 7L))).withMemo(memo).run(general, math).reusedSeeds());
        assertEquals(List.of(), new AdeptRun(cfg.with(Map.of("probeBatches", 3L))).withMemo(memo).run(general, math)
                .reusedSeeds());
        AdeptRun.Result otherDomain = new AdeptRun(cfg).withMemo(memo).run(general, math.subList(1, 60));
        assertEquals(List.of(), otherDomain.reusedSeeds());
        assertEquals(List.of(), new AdeptRun(cfg).withMemo(memo).run(general.subList(1, 40), math).reusedSeeds());
    }

    private static void assertSameNumbers(AdeptRun.Result expected, AdeptRun.Result actual) {
        assertEquals(expected.probe().layers(), actual.probe().layers());
        AdeptRun.MethodResult e = expected.methods().get(0);
        AdeptRun.MethodResult a = actual.methods().get(0);
        assertEquals(List.of(e.generalLossBefore(), e.generalLossAfter(), e.domainLossBefore(), e.domainLossAfter(),
                        e.generalTop1Before(), e.generalTop1After(), e.domainTop1Before(), e.domainTop1After(),
                        e.generalTop1Shift(), e.domainTop1Shift()),
                List.of(a.generalLossBefore(), a.generalLossAfter(), a.domainLossBefore(), a.domainLossAfter(),
                        a.generalTop1Before(), a.generalTop1After(), a.domainTop1Before(), a.domainTop1After(),
                        a.generalTop1Shift(), a.domainTop1Shift()));
    }
}
