package io.adept4j.model;

import io.adept4j.ops.DeclaredBlock;
import io.adept4j.ops.Embeddings;
import io.adept4j.ops.NativeMemory;
import io.adept4j.ops.QuietStdout;
import io.adept4j.ops.ReclaimListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A LLaMA-style causal language model. The transformer blocks and the final norm are a SameDiff graph built as a pure
 * function of ({@link LmConfig}, weights, sequence length): it holds the weights, defines the function, and is what
 * graph surgery, saving and listeners see. The token embedding and the LM head are computed with plain ND4J calls
 * around it. Everything that changes the architecture (expansion, import) edits the weight map and rebuilds.
 *
 * <p>Two passes compute the blocks ({@link Pass}): by default {@link DirectPass}, the same function as direct ND4J calls
 * on the graph's arrays (one forward pass per step, weight gradients only for the tensors asked for, no backward pass
 * below the lowest of them); or the graph itself through SameDiff. A test checks that both give the same outputs and
 * gradients to double-precision rounding.
 *
 * <p>Layout choices, all forced or measured on DL4J 1.0.0-M2.1 (stack-notes.md §3 and the comments below):
 * <ul>
 *   <li>Embedding lookup and its gradient live outside the graph ({@link Embeddings}); the looked-up rows enter the
 *       graph as the variable {@value #INPUTS_EMBEDS}, whose gradient SameDiff computes correctly (a placeholder's
 *       is not: contributions from several consumers are dropped).</li>
 *   <li>The head and its cross-entropy live outside the graph ({@link LmHead}); the graph's backward pass starts from
 *       the surrogate {@code sum(hidden · dHidden)} with {@code dHidden} computed by the head.</li>
 *   <li>Attention is written out by hand with an additive causal mask (the built-in ops take only padding masks).
 *       Grouped-query attention folds the query heads that share a key/value head into the sequence axis
 *       ({@code [B, kvHeads, rep·T, hd]}), so keys and values are never copied.</li>
 *   <li>In the graph, rotary embedding is one batched matmul with a rotation matrix per position, and RMSNorm scales
 *       rows through a K=1 outer-product matmul: broadcasting multiplies have a backward pass ~50× slower per element
 *       in M2.1's SameDiff.</li>
 *   <li>On the SameDiff pass, gradients of tensors that all lie at or above block {@code j > 0} are computed on a
 *       <em>tail</em> graph of blocks {@code j…L-1} that copies this model's current values before each use.</li>
 * </ul>
 * Not thread-safe: one batch at a time.
 */
public final class CausalLm {

    /** Variable holding the looked-up token embeddings {@code [B·T, d]} of the current batch (never a parameter). */
    public static final String INPUTS_EMBEDS = "inputs_embeds";
    /** Final hidden states {@code [B·T, d]} (after the final norm). */
    public static final String HIDDEN = "final_hidden";
    /** Variable holding the head's gradient with respect to {@value #HIDDEN} for the current batch. */
    public static final String HIDDEN_GRAD = "final_hidden_grad";
    /** Scalar whose gradient equals the loss gradient: {@code sum(HIDDEN · HIDDEN_GRAD)}. */
    public static final String SURROGATE = "surrogate_loss";
    /** Standard deviation of the initial weights (GPT-2 / LLaMA convention). */
    public static final double INIT_STD = 0.02;
    /** Additive mask value for future positions: exp underflows to exactly 0 in fp32 and fp64. */
    private static final double MASKED = -1e9;

    private final LmConfig config;
    private final int seqLen;
    private final DataType dataType;
    private final SameDiff sd;
    private final List<DeclaredBlock> blocks;
    private final INDArray embedding;
    private final INDArray head;
    /** Tail graphs by first block, built on first use (see {@link #lossAndGradients}); the SameDiff pass only. */
    private final Map<Integer, CausalLm> tails = new HashMap<>();
    /** The same blocks as direct ND4J calls on the graph's arrays: the default pass. */
    private final DirectPass direct;
    private Pass pass = Pass.configured();

    private CausalLm(LmConfig config, int seqLen, DataType dataType, SameDiff sd, List<DeclaredBlock> blocks,
                     INDArray embedding, INDArray head) {
        this.config = config;
        this.seqLen = seqLen;
        this.dataType = dataType;
        this.sd = sd;
        this.blocks = blocks;
        this.embedding = embedding;
        this.head = head;
        this.direct = new DirectPass(config, seqLen, dataType, name -> sd.getVariable(name).getArr());
    }

    /**
     * How the blocks are computed. Both give the same function (a test checks their gradients agree in double
     * precision); they differ in cost.
     */
    public enum Pass {
        /**
         * Direct ND4J calls ({@link DirectPass}): one forward pass per step, weight gradients only for the tensors asked
         * for, the backward pass stops at the lowest of them. The default.
         */
        DIRECT,
        /** The SameDiff graph (its own forward pass inside {@code calculateGradients}); for comparison and checks. */
        SAMEDIFF;

        /** JVM property that picks the pass of every model built ({@code direct} or {@code samediff}). */
        public static final String PROPERTY = "adept4j.pass";
        /** The pass {@value #PROPERTY} names, {@link #DIRECT} when unset; an unknown name is refused. */
        public static Pass configured() {
            return parse(System.getProperty(PROPERTY, "direct"));
        }

        /** The pass of a property value; an unknown name is refused with the accepted ones. */
        public static Pass parse(String value) {
            for (Pass p : values()) {
                if (p.name().equalsIgnoreCase(value.trim())) {
                    return p;
                }
            }
            throw new IllegalArgumentException("-D" + PROPERTY + " must be direct or samediff, got '" + value + "'");
        }
    }

    /**
     * Whether the fused element-wise work (softmaxes, SwiGLU, RMSNorm) runs on the JDK's Vector API: true when the JVM was
     * started with {@code --add-modules=jdk.incubator.vector} (as {@code ./adept} and the tests do) unless
     * {@code -Dadept4j.vector=false}; otherwise the same functions run as ND4J ops, slower.
     *
     * @throws IllegalArgumentException when {@code -Dadept4j.vector} is neither true nor false
     */
    public static boolean vectorKernels() {
        Kernels.checkProperty();
        return Kernels.vectorised();
    }

    /**
     * Threads (and batch shards) of a direct-pass step when nothing else is set: 2. On the 2-core machines this was built
     * on, {@code bench model} measured a d=256 × 8 training step 1.48–1.52 × faster with two batch shards than with one,
     * and d=128 × 4 1.30–1.72 × (the README's Benchmarks); BLAS on two OpenMP threads instead made it slower.
     */
    public static final int DEFAULT_THREADS = 2;
    private static volatile int defaultThreads = DEFAULT_THREADS;

    /**
     * Sets how many threads every direct-pass forward and training step of this JVM uses from now on: a batch's rows are
     * split into that many contiguous shards, each computed on its own thread with single-threaded BLAS, and the batch
     * loss and gradients formed from the shard means in shard order. The numbers depend on this count (the last float
     * bits of a mean of means), never on the machine or on timing: the same count gives the same results everywhere.
     *
     * @throws IllegalArgumentException when {@code n < 1}
     */
    public static void defaultThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + n);
        }
        defaultThreads = n;
    }

    /** The thread (and batch-shard) count of direct-pass steps; see {@link #defaultThreads(int)}. */
    public static int threads() {
        return defaultThreads;
    }

    /** Computes the blocks with {@code p} from now on (this model only). */
    public CausalLm using(Pass p) {
        this.pass = p;
        return this;
    }

    /** The pass this model computes its blocks with. */
    public Pass pass() {
        return pass;
    }

    /**
     * Random initial weights: N(0, 0.02) for matrices, output projections scaled by 1/√(2·layers) so the residual
     * stream's variance does not grow with depth, norms 1, biases 0.
     */
    public static Map<String, INDArray> initWeights(LmConfig c, long seed) {
        Random rnd = new Random(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        double outScale = 1.0 / Math.sqrt(2.0 * c.numLayers());
        for (Map.Entry<String, long[]> e : LlamaLayout.tensors(c).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            INDArray a;
            if (LoraAdapters.isAdapter(name)) {
                a = LoraAdapters.init(name, shape, rnd);
            } else if (LlamaLayout.isNorm(name)) {
                a = Nd4j.ones(DataType.FLOAT, shape);
            } else if (name.endsWith(".bias")) {
                a = Nd4j.zeros(DataType.FLOAT, shape);
            } else {
                boolean out = name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight");
                double std = INIT_STD * (out ? outScale : 1);
                float[] data = new float[(int) (shape[0] * shape[1])];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (rnd.nextGaussian() * std);
                }
                a = Nd4j.createFromArray(data).reshape(shape);
            }
            w.put(name, a);
        }
        return w;
    }

    /**
     * Builds the model.
     *
     * @param weights  every tensor of {@link LlamaLayout#tensors(LmConfig)}, with those shapes (copied)
     * @param seqLen   T, at most {@code config.maxSeqLen()}
     * @param dataType FLOAT for training, DOUBLE for gradient checks
     * @throws IllegalArgumentException naming a missing, extra or misshapen tensor
     */
    public static CausalLm build(LmConfig c, Map<String, INDArray> weights, int seqLen, DataType dataType) {
        c.requireSeqLen(seqLen);
        Map<String, long[]> expected = LlamaLayout.tensors(c);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            INDArray a = weights.get(e.getKey());
            if (a == null) {
                throw new IllegalArgumentException("weights lack tensor " + e.getKey());
            }
            if (!Arrays.equals(a.shape(), e.getValue())) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " has shape " + Arrays.toString(a.shape())
                        + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        for (String name : weights.keySet()) {
            if (!expected.containsKey(name)) {
                throw new IllegalArgumentException("unexpected tensor " + name + " for a model with " + c.numLayers()
                        + " layers" + (c.tieEmbeddings() ? " and tied embeddings" : ""));
            }
        }
        return new Builder(c, seqLen, dataType, weights).build();
    }

    /** Graph construction, one method per part of the architecture. */
    private static final class Builder {
        final LmConfig c;
        final int t;
        final DataType dt;
        final Map<String, INDArray> weights;
        final SameDiff sd = SameDiff.create();
        final Map<String, SDVariable> vars = new HashMap<>();
        SDVariable rotation;
        SDVariable causalMask;

        Builder(LmConfig c, int t, DataType dt, Map<String, INDArray> weights) {
            this.c = c;
            this.t = t;
            this.dt = dt;
            this.weights = weights;
        }

        SDVariable w(String name) {
            return vars.computeIfAbsent(name, n -> sd.var(n, weights.get(n).castTo(dt).dup()));
        }

        CausalLm build() {
            constants();
            SDVariable x = sd.var(INPUTS_EMBEDS, Nd4j.zeros(dt, 1, c.hiddenSize()));
            List<DeclaredBlock> blocks = new ArrayList<>();
            String input = INPUTS_EMBEDS;
            for (int i = 0; i < c.numLayers(); i++) {
                x = block(i, x);
                blocks.add(new DeclaredBlock(i, LlamaLayout.layerPrefix(i), input, LlamaLayout.blockOutput(i),
                        new ArrayList<>(LlamaLayout.blockTensors(c, i).keySet()), LlamaLayout.outputProjections(i)));
                input = LlamaLayout.blockOutput(i);
            }
            SDVariable hidden = rmsNorm(HIDDEN, x, w(LlamaLayout.FINAL_NORM), c.hiddenSize());
            SDVariable hiddenGrad = sd.var(HIDDEN_GRAD, Nd4j.zeros(dt, 1, c.hiddenSize()));
            hidden.mul(hiddenGrad).sum().rename(SURROGATE);
            sd.setLossVariables(SURROGATE);
            sd.setListeners(new ReclaimListener()); // frees intermediates during long passes (peak memory)
            INDArray embedding = weights.get(LlamaLayout.EMBED).castTo(dt).dup();
            INDArray head = c.tieEmbeddings() ? embedding : weights.get(LlamaLayout.LM_HEAD).castTo(dt).dup();
            return new CausalLm(c, t, dt, sd, List.copyOf(blocks), embedding, head);
        }

        void constants() {
            int hd = c.headDim();
            int half = hd / 2;
            // Rotary embedding as one rotation matrix per position, applied by a batched matmul over positions:
            // row-vector out = in · M_t with out[j] = in[j]·cos − in[j+h]·sin, out[j+h] = in[j+h]·cos + in[j]·sin.
            double[][][] rot = new double[t][hd][hd];
            double[] inv = c.inverseFrequencies();
            for (int p = 0; p < t; p++) {
                for (int j = 0; j < half; j++) {
                    double angle = p * inv[j];
                    double cos = Math.cos(angle);
                    double sin = Math.sin(angle);
                    rot[p][j][j] = cos;
                    rot[p][j + half][j] = -sin;
                    rot[p][j + half][j + half] = cos;
                    rot[p][j][j + half] = sin;
                }
            }
            rotation = sd.constant("rope.rotation", Nd4j.create(rot).castTo(dt));
            causalMask = sd.constant("attn.causal_mask", causalMask(c, t, dt));
        }

        /** RMSNorm of the rows of {@code x [N, W]}: {@code x · rsqrt(mean(x²) + eps) · w}, without broadcasting ops. */
        SDVariable rmsNorm(String name, SDVariable x, SDVariable weight, int width) {
            SDVariable inv = sd.math.rsqrt(x.mul(x).mean(true, 1).add(c.rmsNormEps())); // [N, 1]
            SDVariable scale = inv.mmul(weight.reshape(1, width));                       // [N, W] = inv_n · w_j
            return x.mul(name, scale);
        }

        SDVariable linear(SDVariable x, String weight) {
            SDVariable y = sd.mmul(x, w(weight), false, true, false);
            if (c.lora() != null && c.lora().adapts(weight)) { // + (alpha/r)·(x·Aᵀ)·Bᵀ: zero while B is zero
                SDVariable low = sd.mmul(x, w(LoraAdapters.a(weight)), false, true, false);
                y = y.add(sd.mmul(low, w(LoraAdapters.b(weight)), false, true, false).mul(c.lora().scale()));
            }
            if (c.attentionBias() && weights.containsKey(LlamaLayout.bias(weight))) {
                y = y.add(w(LlamaLayout.bias(weight)));
            }
            return y;
        }

        /** Rotary embedding of {@code [B·T, heads·hd]}; returns {@code [T, B·heads, hd]} (positions first). */
        SDVariable rope(SDVariable x, int heads) {
            SDVariable byPosition = x.reshape(-1, t, heads, c.headDim()).permute(1, 0, 2, 3).reshape(t, -1, c.headDim());
            return byPosition.mmul(rotation);
        }

        SDVariable block(int i, SDVariable x) {
            int hd = c.headDim();
            int kv = c.numKvHeads();
            int rep = c.numHeads() / kv;
            String p = LlamaLayout.layerPrefix(i);

            SDVariable h = rmsNorm(p + "input_layernorm.out", x, w(LlamaLayout.inputNorm(i)), c.hiddenSize());
            SDVariable q = linear(h, LlamaLayout.q(i));
            SDVariable k = linear(h, LlamaLayout.k(i));
            SDVariable v = linear(h, LlamaLayout.v(i));
            if (c.qkNorm()) {
                q = rmsNorm(p + "self_attn.q_norm.out", q.reshape(-1, hd), w(LlamaLayout.qNorm(i)), hd).reshape(-1, c.qWidth());
                k = rmsNorm(p + "self_attn.k_norm.out", k.reshape(-1, hd), w(LlamaLayout.kNorm(i)), hd).reshape(-1, c.kvWidth());
            }
            SDVariable qr = rope(q, c.numHeads());   // [T, B*heads, hd]
            SDVariable kr = rope(k, kv);             // [T, B*kv, hd]
            // [T, B, kv, rep, hd] -> [B, kv, rep, T, hd] -> [B, kv, rep*T, hd]: query heads sharing a kv head stacked
            SDVariable qg = qr.reshape(t, -1, kv, rep, hd).permute(1, 2, 3, 0, 4).reshape(-1, kv, rep * t, hd);
            SDVariable kg = kr.reshape(t, -1, kv, hd).permute(1, 2, 0, 3);
            SDVariable vg = v.reshape(-1, t, kv, hd).permute(0, 2, 1, 3);
            SDVariable scores = sd.mmul(qg, kg, false, true, false).mul(1.0 / Math.sqrt(hd)).add(causalMask);
            SDVariable probs = sd.nn.softmax(p + "self_attn.probs", scores, 3);
            SDVariable att = sd.mmul(probs, vg)
                    .reshape(-1, kv, rep, t, hd).permute(0, 3, 1, 2, 4).reshape(-1, c.qWidth());
            x = x.add(p + "attn_residual", linear(att, LlamaLayout.o(i)));

            SDVariable h2 = rmsNorm(p + "post_attention_layernorm.out", x, w(LlamaLayout.postAttentionNorm(i)),
                    c.hiddenSize());
            SDVariable gate = linear(h2, LlamaLayout.gate(i));
            SDVariable up = linear(h2, LlamaLayout.up(i));
            SDVariable act = gate.mul(sd.nn.sigmoid(gate)).mul(up); // SwiGLU: silu(gate) * up
            return x.add(LlamaLayout.blockOutput(i), linear(act, LlamaLayout.down(i)));
        }
    }

    /** The model's shape. */
    public LmConfig config() {
        return config;
    }

    /** The sequence length T the graph was built for. */
    public int seqLen() {
        return seqLen;
    }

    /** Compute precision. */
    public DataType dataType() {
        return dataType;
    }

    /** The SameDiff graph of the blocks and the final norm (for listeners and surgery). */
    public SameDiff sameDiff() {
        return sd;
    }

    /** The transformer blocks, declared for probing and expansion. */
    public List<DeclaredBlock> blocks() {
        return blocks;
    }

    /** The current value of every tensor, by Hugging Face name (live arrays, not copies). */
    public Map<String, INDArray> weights() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String name : LlamaLayout.tensors(config).keySet()) {
            m.put(name, tensor(name));
        }
        return m;
    }

    /** The live array of one tensor. */
    public INDArray tensor(String name) {
        if (name.equals(LlamaLayout.EMBED)) {
            return embedding;
        }
        if (name.equals(LlamaLayout.LM_HEAD) && !config.tieEmbeddings()) {
            return head;
        }
        if (!LlamaLayout.tensors(config).containsKey(name)) {
            throw new IllegalArgumentException("no tensor named " + name);
        }
        return sd.getVariable(name).getArr();
    }

    private void requireBatchShape(INDArray ids) {
        if (ids.rank() != 2 || ids.size(1) != seqLen) {
            throw new IllegalArgumentException("expected token ids [batch, " + seqLen + "], got "
                    + Arrays.toString(ids.shape()));
        }
    }

    /**
     * The additive causal mask of one grouped score matrix {@code [rep·T, T]} (the {@code rep} query heads that share a
     * key/value head stacked along the rows): {@value #MASKED} where the key lies after the query, else 0.
     */
    static INDArray causalMask(LmConfig c, int t, DataType dt) {
        int rep = c.numHeads() / c.numKvHeads();
        double[][] m = new double[rep * t][t];
        for (int r = 0; r < rep; r++) {
            for (int q = 0; q < t; q++) {
                for (int k = q + 1; k < t; k++) {
                    m[r * t + q][k] = MASKED;
                }
            }
        }
        return Nd4j.create(m).castTo(dt);
    }

    /** Runs the graph up to the final hidden states {@code [B·T, d]} for token ids {@code [B, T]}. */
    public INDArray hidden(INDArray ids) {
        requireBatchShape(ids);
        DataSet byIds = BatchShards.ofIds(ids);
        int shards = shards(byIds);
        if (shards > 1) {
            return Nd4j.vstack(BatchShards.map(byIds, shards, part -> directHidden(part.getFeatures())));
        }
        if (pass == Pass.DIRECT) {
            return directHidden(ids);
        }
        sd.getVariable(INPUTS_EMBEDS).setArray(Embeddings.lookup(embedding, ids));
        return sd.output(Map.of(), HIDDEN).get(HIDDEN);
    }

    private INDArray directHidden(INDArray ids) {
        return DirectPass.scoped(() -> direct.hidden(Embeddings.lookup(embedding, ids)).detach());
    }

    private Streams directStreams(INDArray ids) {
        return DirectPass.scoped(() -> {
            INDArray[] streams = new INDArray[config.numLayers() + 1];
            streams[0] = Embeddings.lookup(embedding, ids);
            INDArray last = direct.blocks(streams[0], 0, config.numLayers(), streams);
            INDArray h = direct.finalNorm(last).detach();
            for (int i = 0; i < streams.length; i++) {
                streams[i] = streams[i].detach();
            }
            return new Streams(streams, h);
        });
    }

    /**
     * One forward pass keeping the residual stream: {@code residuals[l]} (0 ≤ l ≤ L) enters block {@code l}
     * ({@code l = L}: leaves the last block), each {@code [B·T, d]}; {@code hidden} is the final-norm output.
     */
    public record Streams(INDArray[] residuals, INDArray hidden) {
    }

    /** The residual streams of token ids {@code [B, T]} (one forward pass). */
    public Streams residualStreams(INDArray ids) {
        requireBatchShape(ids);
        DataSet byIds = BatchShards.ofIds(ids);
        int shards = shards(byIds);
        if (shards > 1) {
            List<Streams> parts = BatchShards.map(byIds, shards, part -> directStreams(part.getFeatures()));
            INDArray[] residuals = new INDArray[config.numLayers() + 1];
            for (int l = 0; l < residuals.length; l++) {
                int layer = l;
                residuals[l] = Nd4j.vstack(parts.stream().map(p -> p.residuals()[layer]).toArray(INDArray[]::new));
            }
            return new Streams(residuals, Nd4j.vstack(parts.stream().map(Streams::hidden).toArray(INDArray[]::new)));
        }
        if (pass == Pass.DIRECT) {
            return directStreams(ids);
        }
        INDArray embeds = Embeddings.lookup(embedding, ids);
        sd.getVariable(INPUTS_EMBEDS).setArray(embeds);
        String[] names = new String[config.numLayers() + 1];
        for (int i = 0; i < config.numLayers(); i++) {
            names[i] = LlamaLayout.blockOutput(i);
        }
        names[config.numLayers()] = HIDDEN;
        Map<String, INDArray> r = sd.output(Map.of(), names);
        INDArray[] out = new INDArray[config.numLayers() + 1];
        out[0] = embeds;
        for (int i = 0; i < config.numLayers(); i++) {
            out[i + 1] = r.get(names[i]);
        }
        return new Streams(out, r.get(HIDDEN));
    }

    /** Loss of a batch from final hidden states already computed (e.g. by {@link #residualStreams}). */
    public LmHead.Result evaluateHidden(INDArray hidden, DataSet batch) {
        return LmHead.crossEntropy(hidden, head, LmHead.flatIds(batch.getLabels()),
                LmHead.flatMask(batch.getLabelsMaskArray(), hidden.rows()), false, false);
    }

    /**
     * Loss of a batch when the graph's first block is fed {@code residual} ({@code [B·T, d]}) instead of the embedded
     * ids: the rest of the model computed on a residual stream taken from elsewhere (used to skip blocks when probing).
     */
    public LmHead.Result evaluateFromResidual(INDArray residual, DataSet batch) {
        int shards = shards(batch);
        if (shards > 1) {
            return sum(BatchShards.map(batch, shards, (part, from, to) -> DirectPass.scoped(() -> evaluateHidden(
                    direct.hidden(residual.get(NDArrayIndex.interval(from * seqLen, to * seqLen), NDArrayIndex.all())
                            .dup()), part))));
        }
        if (pass == Pass.DIRECT) {
            return DirectPass.scoped(() -> evaluateHidden(direct.hidden(residual), batch));
        }
        sd.getVariable(INPUTS_EMBEDS).setArray(residual);
        return evaluateHidden(sd.output(Map.of(), HIDDEN).get(HIDDEN), batch);
    }

    /** Logits {@code [B, T, V]} for token ids {@code [B, T]}. */
    public INDArray logits(INDArray ids) {
        return LmHead.logits(hidden(ids), head).reshape(ids.size(0), seqLen, config.vocabSize());
    }

    /** Loss of one batch ({@code BatchLayout.SAMEDIFF}: ids, next ids, label mask), nothing computed for gradients. */
    public LmHead.Result evaluate(DataSet batch) {
        int shards = shards(batch);
        if (shards > 1) {
            return sum(BatchShards.map(batch, shards, this::evaluateWhole));
        }
        return evaluateWhole(batch);
    }

    /** The loss of a batch from its shards' losses (no gradients). */
    private static LmHead.Result sum(List<LmHead.Result> parts) {
        double sum = 0;
        double tokens = 0;
        for (LmHead.Result r : parts) {
            sum += r.tokenLossSum();
            tokens += r.tokens();
        }
        return new LmHead.Result(sum / tokens, sum, tokens, null, null);
    }

    private LmHead.Result evaluateWhole(DataSet batch) {
        if (pass == Pass.DIRECT) {
            INDArray ids = batch.getFeatures();
            requireBatchShape(ids);
            return DirectPass.scoped(() -> evaluateHidden(direct.hidden(Embeddings.lookup(embedding, ids)), batch));
        }
        return evaluateHidden(hidden(batch.getFeatures()), batch);
    }

    /** Mean loss over the unmasked tokens of one batch. */
    public double loss(DataSet batch) {
        return evaluate(batch).loss();
    }

    /** Mean loss and gradients of one batch, never applied. */
    public record LossAndGradients(double loss, double tokens, Map<String, INDArray> gradients) {
    }

    /**
     * Loss and the gradients of the given tensors (Hugging Face names) for one batch. Nothing is updated. Only what
     * the requested tensors need is computed: a request without graph tensors runs no backward pass through the blocks.
     */
    public LossAndGradients lossAndGradients(DataSet batch, Collection<String> tensors) {
        boolean wantEmbed = tensors.contains(LlamaLayout.EMBED);
        boolean wantHead = tensors.contains(LlamaLayout.LM_HEAD) || (config.tieEmbeddings() && wantEmbed);
        List<String> graphVars = new ArrayList<>();
        for (String name : tensors) {
            if (!name.equals(LlamaLayout.EMBED) && !name.equals(LlamaLayout.LM_HEAD)) {
                tensor(name); // validates the name
                graphVars.add(name);
            }
        }
        if (tensors.contains(LlamaLayout.LM_HEAD) && config.tieEmbeddings()) {
            throw new IllegalArgumentException("the head is tied to " + LlamaLayout.EMBED + "; ask for that instead");
        }
        int shards = shards(batch);
        if (shards > 1) {
            return combine(BatchShards.map(batch, shards,
                    part -> DirectPass.scoped(() -> directGradients(part, tensors, wantEmbed, wantHead))));
        }
        if (pass == Pass.DIRECT) {
            return DirectPass.scoped(() -> directGradients(batch, tensors, wantEmbed, wantHead));
        }
        boolean blocksOnly = !tensors.isEmpty() && tensors.stream().allMatch(t -> LlamaLayout.layerOf(t) >= 0);
        int first = blocksOnly ? lowestBlock(tensors) : 0;
        if (first > 0 && !wantEmbed && !wantHead) {
            return tailGradients(first, batch, tensors);
        }
        INDArray ids = batch.getFeatures();
        INDArray h = hidden(ids);
        LmHead.Result r = LmHead.crossEntropy(h, head, LmHead.flatIds(batch.getLabels()),
                LmHead.flatMask(batch.getLabelsMaskArray(), h.rows()), true, wantHead);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        if (!graphVars.isEmpty() || wantEmbed) {
            if (wantEmbed) {
                graphVars.add(INPUTS_EMBEDS);
            }
            sd.getVariable(HIDDEN_GRAD).setArray(r.dHidden());
            // The first forward pass and the head's [N, V] logits are garbage now: free them before the backward pass
            // allocates its own (see NativeMemory).
            NativeMemory.reclaimIfDue();
            Map<String, INDArray> g = sd.getFunction("grad") == null
                    ? QuietStdout.call(() -> sd.calculateGradients(Map.of(), graphVars))
                    : sd.calculateGradients(Map.of(), graphVars);
            for (String name : tensors) {
                if (g.containsKey(name)) {
                    grads.put(name, g.get(name));
                }
            }
            if (wantEmbed) {
                INDArray dE = Embeddings.gradient(g.get(INPUTS_EMBEDS), ids, config.vocabSize());
                if (config.tieEmbeddings()) {
                    dE.addi(r.dWeight());
                }
                grads.put(LlamaLayout.EMBED, dE);
            }
        }
        if (tensors.contains(LlamaLayout.LM_HEAD)) {
            grads.put(LlamaLayout.LM_HEAD, r.dWeight());
        }
        return new LossAndGradients(r.loss(), r.tokens(), grads);
    }

    /**
     * {@link #lossAndGradients} on the direct pass: one forward pass that records only from the lowest block asked for
     * (everything when the embedding is), the head, one backward pass down to that block.
     */
    private LossAndGradients directGradients(DataSet batch, Collection<String> tensors, boolean wantEmbed,
                                             boolean wantHead) {
        INDArray ids = batch.getFeatures();
        requireBatchShape(ids);
        int from = wantEmbed ? 0 : lowestBlock(tensors);
        DirectPass.Tape tape = direct.record(Embeddings.lookup(embedding, ids), from);
        LmHead.Result r = LmHead.crossEntropy(tape.hidden(), head, LmHead.flatIds(batch.getLabels()),
                LmHead.flatMask(batch.getLabelsMaskArray(), tape.hidden().rows()), true, wantHead);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        if (tensors.stream().anyMatch(t -> !t.equals(LlamaLayout.LM_HEAD))) { // anything below the head
            INDArray dIn = direct.backward(tape, r.dHidden(), new HashSet<>(tensors), grads, wantEmbed);
            if (wantEmbed) {
                INDArray dE = Embeddings.gradient(dIn, ids, config.vocabSize());
                if (config.tieEmbeddings()) {
                    dE.addi(r.dWeight());
                }
                grads.put(LlamaLayout.EMBED, dE);
            }
        }
        if (tensors.contains(LlamaLayout.LM_HEAD)) {
            grads.put(LlamaLayout.LM_HEAD, r.dWeight());
        }
        Map<String, INDArray> ordered = new LinkedHashMap<>();
        for (String t : tensors) {
            ordered.put(t, grads.get(t).detach()); // out of the pass workspace
        }
        return new LossAndGradients(r.loss(), r.tokens(), ordered);
    }

    /** How many shards the direct pass splits {@code batch} into on the {@link #threads()}: 1 when it is not split. */
    private int shards(DataSet batch) {
        return pass == Pass.DIRECT ? BatchShards.count(batch, defaultThreads) : 1;
    }

    /** The batch mean from shard means: each shard weighted by its share of the tokens, added in shard order. */
    private static LossAndGradients combine(List<LossAndGradients> parts) {
        double tokens = 0;
        double sum = 0;
        for (LossAndGradients p : parts) {
            tokens += p.tokens();
            sum += p.loss() * p.tokens();
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (LossAndGradients p : parts) {
            double w = p.tokens() / tokens;
            for (Map.Entry<String, INDArray> e : p.gradients().entrySet()) {
                INDArray g = grads.get(e.getKey());
                if (g == null) {
                    grads.put(e.getKey(), e.getValue().muli(w));
                } else {
                    g.addi(e.getValue().muli(w));
                }
            }
        }
        return new LossAndGradients(sum / tokens, tokens, grads);
    }

    /** The lowest block any of {@code tensors} belongs to (other tensors ignored); the block count when none does. */
    private int lowestBlock(Collection<String> tensors) {
        int low = config.numLayers();
        for (String t : tensors) {
            int l = LlamaLayout.layerOf(t);
            if (l >= 0) {
                low = Math.min(low, l);
            }
        }
        return low;
    }

    /** Gradients of block tensors all at or above block {@code first}: forward below it, forward+backward above. */
    private LossAndGradients tailGradients(int first, DataSet batch, Collection<String> tensors) {
        CausalLm tail = tails.computeIfAbsent(first, this::buildTail);
        syncTail(first, tail);
        INDArray ids = batch.getFeatures();
        requireBatchShape(ids);
        sd.getVariable(INPUTS_EMBEDS).setArray(Embeddings.lookup(embedding, ids));
        INDArray residual = sd.output(Map.of(), LlamaLayout.blockOutput(first - 1)).get(LlamaLayout.blockOutput(first - 1));
        List<String> renamed = new ArrayList<>();
        for (String t : tensors) {
            renamed.add(LlamaLayout.moveToLayer(t, LlamaLayout.layerOf(t) - first));
        }
        LossAndGradients r = tail.residualGradients(residual, batch, renamed);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (String t : tensors) {
            grads.put(t, r.gradients().get(LlamaLayout.moveToLayer(t, LlamaLayout.layerOf(t) - first)));
        }
        return new LossAndGradients(r.loss(), r.tokens(), grads);
    }

    /** Blocks {@code first…L-1}, the final norm and the head as a model of their own (head arrays shared). */
    private CausalLm buildTail(int first) {
        LmConfig tc = config.withNumLayers(config.numLayers() - first);
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (String name : LlamaLayout.tensors(tc).keySet()) {
            int l = LlamaLayout.layerOf(name);
            w.put(name, tensor(l < 0 ? name : LlamaLayout.moveToLayer(name, l + first)));
        }
        CausalLm built = build(tc, w, seqLen, dataType);
        return new CausalLm(tc, seqLen, dataType, built.sd, built.blocks, embedding, head);
    }

    /**
     * Copies this model's current block and final-norm values into a tail built from block {@code first}. (SameDiff
     * M2.1 does not keep an array handed to {@code setArray} as the variable's storage, so the tail cannot simply alias
     * them; the copy is a memcpy of the tail's weights, negligible next to a training step.)
     */
    private void syncTail(int first, CausalLm tail) {
        for (String name : LlamaLayout.tensors(tail.config).keySet()) {
            int l = LlamaLayout.layerOf(name);
            if (l >= 0 || name.equals(LlamaLayout.FINAL_NORM)) {
                tail.tensor(name).assign(tensor(l < 0 ? name : LlamaLayout.moveToLayer(name, l + first)));
            }
        }
    }

    /** Loss and block-tensor gradients when the first block is fed {@code residual} instead of embedded ids. */
    private LossAndGradients residualGradients(INDArray residual, DataSet batch, List<String> graphVars) {
        sd.getVariable(INPUTS_EMBEDS).setArray(residual);
        INDArray h = sd.output(Map.of(), HIDDEN).get(HIDDEN);
        LmHead.Result r = LmHead.crossEntropy(h, head, LmHead.flatIds(batch.getLabels()),
                LmHead.flatMask(batch.getLabelsMaskArray(), h.rows()), true, false);
        sd.getVariable(HIDDEN_GRAD).setArray(r.dHidden());
        NativeMemory.reclaimIfDue();
        Map<String, INDArray> g = sd.getFunction("grad") == null
                ? QuietStdout.call(() -> sd.calculateGradients(Map.of(), graphVars))
                : sd.calculateGradients(Map.of(), graphVars);
        return new LossAndGradients(r.loss(), r.tokens(), g);
    }

    /** Number of parameters. */
    public long parameterCount() {
        return LlamaLayout.parameterCount(config);
    }
}
