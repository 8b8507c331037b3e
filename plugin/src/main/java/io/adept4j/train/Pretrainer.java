package io.adept4j.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.SplitWindows;
import io.adept4j.datavec.window.WindowSpec;
import io.adept4j.eval.Perplexity;
import io.adept4j.eval.UnigramBaseline;
import io.adept4j.listeners.ProgressMeter;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LmConfig;
import io.adept4j.model.ModelStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pretrains a {@link CausalLm} from scratch on a corpus: AdamW with warm-up and cosine decay, global-norm clipping,
 * periodic validation, atomic checkpoints that {@code resume} continues exactly (same weights, optimizer state, data
 * order and schedule position), and a final model saved with {@link ModelStore}.
 */
public final class Pretrainer {

    /** Checkpoint folder inside the output folder. */
    public static final String CHECKPOINT = "checkpoint";
    /** Final model folder inside the output folder. */
    public static final String MODEL = "model";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A point of a loss curve. */
    public record Point(int step, double loss) {
    }

    /** What a run did. */
    public record Result(LmConfig model, PretrainConfig settings, long parameters, int startStep, int endStep,
                         List<Point> trainCurve, List<Point> validationCurve, Perplexity.Result finalValidation,
                         double unigramPerplexity, long trainTokens, long validationTokens, double wallSeconds,
                         double tokensPerSecond, boolean finished) {
    }

    private final LmConfig modelConfig;
    private final PretrainConfig cfg;
    private final Tokenizer tokenizer;
    private static final Logger log = LoggerFactory.getLogger(Pretrainer.class);

    public Pretrainer(LmConfig modelConfig, PretrainConfig cfg) {
        if (modelConfig.tokenizer() == null) {
            throw new IllegalArgumentException("the model config must name its tokenizer");
        }
        modelConfig.requireSeqLen(cfg.seqLen());
        this.modelConfig = modelConfig;
        this.cfg = cfg;
        this.tokenizer = Tokenizers.fromSpec(modelConfig.tokenizer());
    }

    /**
     * Trains until {@code cfg.steps()}, or until {@code stopAfter} steps when positive (as if interrupted there: the
     * checkpoint is written, no final model).
     *
     * @param out    output folder (checkpoint and model land there)
     * @param resume continue from {@code out/checkpoint}
     */
    public Result run(List<Document> documents, Path out, boolean resume, int stopAfter) throws IOException {
        long t0 = System.nanoTime();
        SplitWindows split = SplitWindows.build("general", documents, cfg.validationFraction(), cfg.seed(), tokenizer,
                WindowSpec.packed(cfg.seqLen()));
        TokenWindows train = split.train();
        TokenWindows val = split.validation();
        double unigram = UnigramBaseline.perplexity(train, val, modelConfig.vocabSize());
        log.info(String.format("[pretrain] %s: %,d params, %,d train / %,d validation tokens, unigram perplexity %.1f",
                shape(), LlamaLayout.parameterCount(modelConfig), train.corpusTokens(), val.corpusTokens(), unigram));

        Path ckpt = out.resolve(CHECKPOINT);
        CausalLm model;
        int start = 0;
        List<Point> trainCurve = new ArrayList<>();
        List<Point> valCurve = new ArrayList<>();
        Map<String, INDArray> optimizerState = null;
        if (resume) {
            TrainingCheckpoint c = TrainingCheckpoint.read(ckpt, fingerprint(), "pretraining checkpoint");
            start = c.step();
            History h = c.history(new com.fasterxml.jackson.core.type.TypeReference<History>() { }, ckpt,
                    "pretraining checkpoint");
            trainCurve.addAll(h.trainCurve());
            valCurve.addAll(h.validationCurve());
            try {
                model = CausalLm.build(modelConfig, c.weights(), cfg.seqLen(), DataType.FLOAT);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("pretraining checkpoint " + ckpt + " does not fit the model ("
                        + e.getMessage() + "); start again without --resume (with --overwrite)", e);
            }
            optimizerState = c.optimizer();
            log.info(String.format("[pretrain] resuming at step %d from %s", start, ckpt));
        } else {
            model = CausalLm.build(modelConfig, CausalLm.initWeights(modelConfig, cfg.seed()), cfg.seqLen(), DataType.FLOAT);
        }

        WarmupCosineSchedule schedule = new WarmupCosineSchedule(cfg.learningRate(), cfg.warmupSteps(), cfg.steps(),
                cfg.minLrRatio());
        Map<String, INDArray> params = model.weights();
        Set<String> decayed = new HashSet<>();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (e.getValue().rank() == 2) {
                decayed.add(e.getKey());
            }
        }
        ParameterOptimizer optimizer = new ParameterOptimizer(new Adam(schedule), schedule, cfg.weightDecay(), decayed);
        if (optimizerState != null) {
            optimizer.restore(params, optimizerState);
        }

        NextTokenDataSetIterator it = new NextTokenDataSetIterator(train, cfg.batchSize(), BatchLayout.SAMEDIFF,
                modelConfig.vocabSize(), true, cfg.seed());
        int perEpoch = it.batchesPerEpoch();
        it.seek(start / perEpoch, start % perEpoch);
        int end = stopAfter > 0 ? Math.min(cfg.steps(), stopAfter) : cfg.steps();
        ProgressMeter meter = new ProgressMeter("pretrain", start, cfg.steps(), log);
        int lastCheckpoint = start;
        for (int step = start; step < end; step++) {
            if (!it.hasNext()) {
                it.reset();
            }
            DataSet batch = it.next();
            ParameterOptimizer.StepResult lg;
            try {
                lg = optimizer.trainStep(model, batch, params, step, cfg.clipNorm());
            } catch (TrainingDivergedException e) {
                throw new TrainingDivergedException(e.getMessage() + ". The last checkpoint (step " + lastCheckpoint
                        + ") in " + ckpt + " is intact: resume or restart from it", e);
            }
            trainCurve.add(new Point(step + 1, lg.loss()));
            meter.addTokens(Math.round(lg.tokens()));
            int done = step + 1;
            if (done % cfg.logEvery() == 0 || done == end) {
                meter.print(done, String.format("loss %.4f  lr %.2e  |g| %.2f", lg.loss(),
                        schedule.valueAt(step, 0), lg.gradNorm()));
            }
            if (cfg.evalEvery() > 0 && done % cfg.evalEvery() == 0 && done < cfg.steps()) {
                Perplexity.Result v = Perplexity.evaluate(model, val, cfg.batchSize(), cfg.evalBatches());
                valCurve.add(new Point(done, v.meanLoss()));
                log.info(String.format("[pretrain] step %d validation loss %.4f (perplexity %.1f)", done, v.meanLoss(), v.perplexity()));
            }
            if ((cfg.checkpointEvery() > 0 && done % cfg.checkpointEvery() == 0) || done == end) {
                checkpoint(ckpt, model, optimizer, done, trainCurve, valCurve);
                lastCheckpoint = done;
            }
        }
        boolean finished = end == cfg.steps();
        Perplexity.Result fin = null;
        if (finished) {
            fin = Perplexity.evaluate(model, val, cfg.batchSize(), 0);
            valCurve.add(new Point(cfg.steps(), fin.meanLoss()));
            ModelStore.save(model, out.resolve(MODEL));
            log.info(String.format("[pretrain] done: validation loss %.4f, perplexity %.1f (unigram %.1f); model in %s",
                    fin.meanLoss(), fin.perplexity(), unigram, out.resolve(MODEL)));
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        return new Result(modelConfig, cfg, LlamaLayout.parameterCount(modelConfig), start, end, trainCurve, valCurve,
                fin, unigram, train.corpusTokens(), val.corpusTokens(), wall, meter.tokensPerSecond(), finished);
    }

    private String shape() {
        LmConfig c = modelConfig;
        return String.format("d=%d L=%d heads=%d/%d T=%d V=%d", c.hiddenSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), cfg.seqLen(), c.vocabSize());
    }

    private Map<String, Object> fingerprint() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("model", modelConfig);
        f.put("settings", cfg);
        return f;
    }

    private void checkpoint(Path dir, CausalLm model, ParameterOptimizer optimizer, int step, List<Point> trainCurve,
                            List<Point> valCurve) throws IOException {
        TrainingCheckpoint.write(dir, step, fingerprint(), model.weights(), optimizer.state(),
                new History(trainCurve, valCurve));
    }

    /** What a pretraining checkpoint keeps besides tensors and optimizer state: the curves so far. */
    private record History(List<Point> trainCurve, List<Point> validationCurve) {
    }

    /** Whether {@code out} holds a checkpoint to resume. */
    public static boolean hasCheckpoint(Path out) {
        return Files.isDirectory(out.resolve(CHECKPOINT)) || Files.isDirectory(out.resolve(CHECKPOINT + ".old"));
    }
}
