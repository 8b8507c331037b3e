package io.adept4j;

import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.graph.GraphAdept;
import io.adept4j.model.CausalLm;
import io.adept4j.stage1.ExpansionManifest;
import io.adept4j.samediff.LayerProber;
import io.adept4j.stage1.Placement;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.samediff.SelectiveExpander;
import io.adept4j.samediff.AdeptTrainer;
import io.adept4j.stage2.TuneConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;

/**
 * The one entry point to ADEPT: the same {@link Settings} adapt a SameDiff language model ({@link CausalLm}) or a DL4J
 * {@code ComputationGraph}. Both run the same four steps — probe the blocks on general data, copy the K least
 * important right after themselves as identity blocks, measure unit importance on general data, train only the copies
 * on domain data with split learning rates refreshed as training goes — with the implementation each model kind needs
 * ({@code samediff} for the language model, {@code graph} for DL4J; what they share in {@code stage1} and {@code stage2}). The base model is never changed.
 *
 * <pre>{@code
 * Adept.Settings s = new Adept.Settings(2, TuneConfig.defaults(500, 16, 42));
 * Adept.Outcome<CausalLm, AdeptTrainer.Result> lm = Adept.adapt(baseLm, generalDocs, domainDocs, s);
 * Adept.Outcome<ComputationGraph, GraphAdept.Result> cg = Adept.adapt(baseGraph, generalIt, domainIt, domainValIt, s);
 * }</pre>
 *
 * For a graph inside your own training loop and listeners, {@link io.adept4j.graph.AdeptGraph} gives the expanded graph
 * and the refresh listener instead (DL4J's {@code TransferLearning} shape).
 */
public final class Adept {

    /**
     * ADEPT's settings, shared by both model kinds.
     *
     * @param k    blocks to copy (1 ≤ k ≤ the model's blocks, checked when the model is known)
     * @param tune steps, learning rate of the copies, refresh interval, granularity, policy, probe and validation
     *             batches ({@link TuneConfig}); {@code batchSize} applies to language models, whose batches adept4j
     *             makes (a graph's iterators bring their own)
     */
    public record Settings(int k, TuneConfig tune) {
        public Settings {
            if (k < 1) {
                throw new IllegalArgumentException("k must be at least 1, got " + k);
            }
            java.util.Objects.requireNonNull(tune, "tune settings");
        }
    }

    /**
     * What ADEPT did, in the same terms for both model kinds (losses are mean per-token or per-example losses on the
     * validation batches).
     *
     * @param model  the expanded, tuned model
     * @param detail the model kind's own result ({@link AdeptTrainer.Result} or {@link GraphAdept.Result})
     * @param <M>    the model kind
     * @param <D>    its own result type
     */
    public record Outcome<M, D>(M model, ProbeResult probe, ExpansionManifest manifest, double generalLossBefore,
                                double generalLossAfter, double domainLossBefore, double domainLossAfter,
                                double trainSeconds, D detail) {
    }

    private Adept() {
    }

    /** ADEPT on a causal language model, with general and domain corpora as documents. */
    public static Outcome<CausalLm, AdeptTrainer.Result> adapt(CausalLm base, List<Document> general, List<Document> domain, Settings s) {
        io.adept4j.stage1.Placement.requireK(s.k(), base.config().numLayers());
        TuneConfig t = s.tune();
        TokenWindows probeWindows = LayerProber.trainingSideWindows(general, Tokenizers.fromSpec(base.config().tokenizer()),
                base.seqLen(), t.seed()); // validation text is never probed
        ProbeResult probe = new LayerProber(t.batchSize(), t.probeBatches()).probe(base, probeWindows);
        org.nd4j.linalg.dataset.DataSet check = (org.nd4j.linalg.dataset.DataSet) new NextTokenDataSetIterator(
                probeWindows, 2, BatchLayout.SAMEDIFF, base.config().vocabSize(),
                false, 0).next();
        SelectiveExpander.Expansion ex = SelectiveExpander.expand(base, Placement.lowestDelta(probe, s.k()), check, null);
        AdeptTrainer.Result r = new AdeptTrainer(t).run(ex.model(), ex.manifest(), domain, general);
        return new Outcome<>(ex.model(), probe, ex.manifest(), r.generalBefore().meanLoss(), r.generalAfter().meanLoss(),
                r.domainBefore().meanLoss(), r.domainAfter().meanLoss(), r.trainSeconds(), r);
    }

    /**
     * ADEPT on a DL4J {@code ComputationGraph} whose residual blocks {@link io.adept4j.graph.GraphBlocks#find} detects.
     *
     * @param general          general batches: the first probeBatches for probe and importance, the next evalBatches for
     *                         validation (never the same batches)
     * @param domain           domain training batches, cycled for {@code steps} iterations
     * @param domainValidation domain validation batches
     */
    public static Outcome<ComputationGraph, GraphAdept.Result> adapt(ComputationGraph base, DataSetIterator general, DataSetIterator domain,
                                                  DataSetIterator domainValidation, Settings s) {
        GraphAdept.Result r = GraphAdept.run(base, null, s.k(), general, domain, domainValidation, s.tune());
        return new Outcome<>(r.model(), r.probe(), r.expansion().manifest(), r.generalBefore(), r.generalAfter(),
                r.domainBefore(), r.domainAfter(), r.trainSeconds(), r);
    }
}
