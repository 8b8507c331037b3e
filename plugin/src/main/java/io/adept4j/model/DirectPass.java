package io.adept4j.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import io.adept4j.model.Kernels.Norm;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The transformer blocks and the final norm of a {@link CausalLm}, forward and backward, written as direct ND4J calls on
 * the model's live arrays: the same function as the SameDiff graph (a test checks both agree to 1e-10 in double
 * precision), computed with fewer and larger operations.
 *
 * <p>Why not SameDiff for training: in 1.0.0-M2.1 {@code calculateGradients} runs its own forward pass, so a step whose
 * loss lives outside the graph (the LM head, see {@link LmHead}) ran the blocks forward twice; its {@code matmul}
 * backward computes the gradients of both operands, so a frozen weight still paid for its weight gradient; and its
 * per-operation bookkeeping took about a third of a step. Here one forward pass keeps what the backward pass needs, a
 * weight gradient is computed only for the tensors asked for, and the backward pass stops at the lowest block that
 * holds one of them (blocks below run forward only, keeping nothing).
 *
 * <p>Layouts: activations are {@code [N = B·T, width]} row-major. Rotary embedding is element-wise in that layout,
 * {@code x·cos + (x·P)·sin} with {@code P} the half-swap permutation of a head's dimensions (one small GEMM) and the
 * cos/sin tables flattened over positions and heads, so no permute is needed. Attention folds the query heads that share
 * a key/value head into the sequence axis ({@code [B, kv, rep·T, hd]}) as the graph does.
 */
final class DirectPass {

    /** What one block's backward pass needs from its forward pass. */
    private record BlockCache(Norm attnNorm, Norm qNorm, Norm kNorm, INDArray q, INDArray k, INDArray v,
                              INDArray probs, INDArray attention, Norm mlpNorm, INDArray gate, INDArray gateSigmoid,
                              INDArray up, INDArray activation) {
    }

    /**
     * One workspace per thread for every pass of every model: a pass's intermediates are reused from one call to the
     * next instead of being left to the garbage collector (a step allocates hundreds of arrays; freed only by forced
     * collections they held gigabytes of native memory and slowed later allocations).
     */
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.1)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();
    private static final String WORKSPACE_ID = "adept4j-direct-pass";

    /**
     * Runs {@code pass} in the pass workspace. Whatever it returns must be {@code detach()}ed copies: arrays left in the
     * workspace are overwritten by the next pass.
     */
    static <T> T scoped(Supplier<T> pass) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            return pass.get();
        }
    }

    private final LmConfig c;
    private final int t;
    private final Function<String, INDArray> weight;
    private final INDArray cosQ;
    private final INDArray sinQ;
    private final INDArray cosK;
    private final INDArray sinK;
    /** {@code [hd, hd]}: {@code x·P} swaps the two halves of each head's dimensions (P is its own transpose). */
    private final INDArray halfSwap;
    /** The additive causal mask of one {@code [rep·T, T]} score matrix, flattened. */
    private final INDArray causalRow;
    private final double scale;
    /** Every tensor name of the model: which projections have a bias or LoRA adapters. */
    private final Set<String> tensors;

    /**
     * @param weight the model's live tensor of a Hugging Face name
     */
    DirectPass(LmConfig c, int seqLen, DataType dt, Function<String, INDArray> weight) {
        this.c = c;
        this.t = seqLen;
        this.weight = weight;
        this.tensors = Set.copyOf(LlamaLayout.tensors(c).keySet());
        int hd = c.headDim();
        int half = hd / 2;
        double[] inv = c.inverseFrequencies();
        INDArray[] q = ropeTables(c.numHeads(), inv, dt);
        INDArray[] k = ropeTables(c.numKvHeads(), inv, dt);
        cosQ = q[0];
        sinQ = q[1];
        cosK = k[0];
        sinK = k[1];
        double[][] p = new double[hd][hd];
        for (int j = 0; j < half; j++) {
            p[j + half][j] = 1;
            p[j][j + half] = 1;
        }
        halfSwap = Nd4j.create(p).castTo(dt);
        causalRow = CausalLm.causalMask(c, t, dt).reshape(1, -1);
        scale = 1.0 / Math.sqrt(hd);
    }

    /** cos and signed sin as rows {@code [1, T·heads·hd]}: {@code out = x·cos + swap(x)·sin} is the rotation. */
    private INDArray[] ropeTables(int heads, double[] inv, DataType dt) {
        int hd = c.headDim();
        int half = hd / 2;
        double[] cos = new double[t * heads * hd];
        double[] sin = new double[cos.length];
        for (int p = 0; p < t; p++) {
            for (int h = 0; h < heads; h++) {
                for (int j = 0; j < hd; j++) {
                    double angle = p * inv[j % half];
                    int i = (p * heads + h) * hd + j;
                    cos[i] = Math.cos(angle);
                    sin[i] = j < half ? -Math.sin(angle) : Math.sin(angle);
                }
            }
        }
        return new INDArray[]{Nd4j.createFromArray(cos).reshape(1, cos.length).castTo(dt),
                Nd4j.createFromArray(sin).reshape(1, sin.length).castTo(dt)};
    }

    // ---------------------------------------------------------------------------------------------------- forward

    /**
     * Runs blocks {@code from…to-1} on the residual stream {@code x} ({@code [N, d]}).
     *
     * @param streams when not null, {@code streams[l - from + 1]} receives the output of block {@code l}
     */
    INDArray blocks(INDArray x, int from, int to, INDArray[] streams) {
        for (int i = from; i < to; i++) {
            x = block(i, x, null);
            if (streams != null) {
                streams[i - from + 1] = x;
            }
        }
        return x;
    }

    /** The final norm's output: the hidden states the head reads. */
    INDArray finalNorm(INDArray x) {
        return rmsNorm(x, weight.apply(LlamaLayout.FINAL_NORM)).out();
    }

    /** Every block and the final norm on the residual stream {@code x}: the hidden states, nothing kept. */
    INDArray hidden(INDArray x) {
        return finalNorm(blocks(x, 0, c.numLayers(), null));
    }

    /** One block; fills {@code caches[i]} for the backward pass when {@code caches} is not null. */
    private INDArray block(int i, INDArray x, BlockCache[] caches) {
        long n = x.rows();
        long b = n / t;
        int hd = c.headDim();
        int kv = c.numKvHeads();

        // Attention: norm, projections (+ q/k norms), rotary embedding, heads grouped by key/value head.
        Norm attnNorm = rmsNorm(x, weight.apply(LlamaLayout.inputNorm(i)));
        INDArray q = linear(attnNorm.out(), LlamaLayout.q(i));
        INDArray k = linear(attnNorm.out(), LlamaLayout.k(i));
        INDArray v = linear(attnNorm.out(), LlamaLayout.v(i));
        Norm qNorm = null;
        Norm kNorm = null;
        if (c.qkNorm()) {
            qNorm = rmsNorm(q.reshape(-1, hd), weight.apply(LlamaLayout.qNorm(i)));
            kNorm = rmsNorm(k.reshape(-1, hd), weight.apply(LlamaLayout.kNorm(i)));
            q = qNorm.out().reshape(n, c.qWidth());
            k = kNorm.out().reshape(n, c.kvWidth());
        }
        INDArray qg = groupQueries(rope(q, cosQ, sinQ), b);
        INDArray kg = heads(rope(k, cosK, sinK), b, kv);
        INDArray vg = heads(v, b, kv);
        // Scores [B, kv, rep·T, T], then the softmax of the scaled scores over the keys each query may see (in place).
        INDArray probs = Nd4j.matmul(qg, kg, false, true, false);
        Kernels.causalSoftmax(probs, t, scale, causalRow);
        INDArray attention = ungroupQueries(Nd4j.matmul(probs, vg), b);
        INDArray mid = linear(attention, LlamaLayout.o(i)).addi(x);

        // MLP: norm, SwiGLU = silu(gate)·up, down projection, residual.
        Norm mlpNorm = rmsNorm(mid, weight.apply(LlamaLayout.postAttentionNorm(i)));
        INDArray gate = linear(mlpNorm.out(), LlamaLayout.gate(i));
        INDArray up = linear(mlpNorm.out(), LlamaLayout.up(i));
        Kernels.Silu silu = Kernels.silu(gate, up);
        INDArray sig = silu.sigmoid();
        INDArray activation = silu.activation();
        INDArray out = linear(activation, LlamaLayout.down(i)).addi(mid);
        if (caches != null) {
            caches[i] = new BlockCache(attnNorm, qNorm, kNorm, qg, kg, vg, probs, attention, mlpNorm, gate, sig, up,
                    activation);
        }
        return out;
    }

    /** Queries {@code [N, heads·hd]} → {@code [B, kv, rep·T, hd]}, the heads sharing a key/value head stacked (a copy). */
    private INDArray groupQueries(INDArray x, long b) {
        int kv = c.numKvHeads();
        int rep = c.numHeads() / kv;
        return x.reshape(b, t, kv, rep, c.headDim()).permute(0, 2, 3, 1, 4).dup('c')
                .reshape(b, kv, (long) rep * t, c.headDim());
    }

    /** The inverse of {@link #groupQueries}: {@code [B, kv, rep·T, hd]} → {@code [N, heads·hd]} (a copy). */
    private INDArray ungroupQueries(INDArray x, long b) {
        int kv = c.numKvHeads();
        int rep = c.numHeads() / kv;
        return x.reshape(b, kv, rep, t, c.headDim()).permute(0, 3, 1, 2, 4).dup('c').reshape(b * t, c.qWidth());
    }

    /** {@code [N, heads·hd]} → {@code [B, heads, T, hd]} (a copy). */
    private INDArray heads(INDArray x, long b, int heads) {
        return x.reshape(b, t, heads, c.headDim()).permute(0, 2, 1, 3).dup('c');
    }

    /** {@code [B, heads, T, hd]} → {@code [N, heads·hd]} (a copy). */
    private INDArray unheads(INDArray x, int heads) {
        return x.permute(0, 2, 1, 3).dup('c').reshape(-1, (long) heads * c.headDim());
    }

    private INDArray rope(INDArray x, INDArray cos, INDArray sin) {
        return Kernels.rope(x, cos, sin, halfSwap, t, false);
    }

    private INDArray ropeBackward(INDArray dOut, INDArray cos, INDArray sin) {
        return Kernels.rope(dOut, cos, sin, halfSwap, t, true);
    }

    private Norm rmsNorm(INDArray x, INDArray w) {
        return Kernels.rmsNorm(x, w, c.rmsNormEps());
    }

    /** {@code x·Wᵀ (+ bias) (+ LoRA's (alpha/r)·(x·Aᵀ)·Bᵀ)}. */
    private INDArray linear(INDArray x, String name) {
        INDArray y = Nd4j.gemm(x, weight.apply(name), false, true);
        if (tensors.contains(LoraAdapters.a(name))) {
            INDArray low = Nd4j.gemm(x, weight.apply(LoraAdapters.a(name)), false, true);
            Nd4j.gemm(low, weight.apply(LoraAdapters.b(name)), y, false, true, c.lora().scale(), 1.0);
        }
        if (tensors.contains(LlamaLayout.bias(name))) {
            y.addiRowVector(weight.apply(LlamaLayout.bias(name)));
        }
        return y;
    }

    // --------------------------------------------------------------------------------------------------- backward

    /** A forward pass that keeps what the backward pass of blocks {@code from…L-1} needs. */
    final class Tape {
        private final BlockCache[] caches = new BlockCache[c.numLayers()];
        private final int from;
        private Norm finalNorm;

        private Tape(int from) {
            this.from = from;
        }

        /** The final hidden states. */
        INDArray hidden() {
            return finalNorm.out();
        }
    }

    /** Forward pass from the embedded ids {@code x}: blocks below {@code from} keep nothing. */
    Tape record(INDArray x, int from) {
        Tape tape = new Tape(from);
        x = blocks(x, 0, from, null);
        for (int i = from; i < c.numLayers(); i++) {
            x = block(i, x, tape.caches);
        }
        tape.finalNorm = rmsNorm(x, weight.apply(LlamaLayout.FINAL_NORM));
        return tape;
    }

    /**
     * Backward pass from the gradient of the hidden states: the gradients of the {@code wanted} tensors (block tensors
     * at or above the tape's first block, the final norm) into {@code grads}.
     *
     * @param wantInput also return the gradient of the residual entering the tape's first block (else null)
     */
    INDArray backward(Tape tape, INDArray dHidden, Set<String> wanted, Map<String, INDArray> grads,
                      boolean wantInput) {
        int layers = c.numLayers();
        boolean anyBlock = wantInput || tape.from < layers;
        INDArray dx = normBackward(tape.finalNorm, LlamaLayout.FINAL_NORM, dHidden, anyBlock, wanted, grads);
        for (int i = layers - 1; i >= tape.from; i--) {
            dx = blockBackward(i, dx, tape.caches[i], wantInput || i > tape.from, wanted, grads);
            tape.caches[i] = null; // no longer needed
        }
        return wantInput ? dx : null;
    }

    private INDArray blockBackward(int i, INDArray dOut, BlockCache k, boolean wantInput, Set<String> wanted,
                                   Map<String, INDArray> grads) {
        long n = dOut.rows();
        long b = n / t;
        int hd = c.headDim();
        int kv = c.numKvHeads();

        // MLP: down projection, SwiGLU, gate/up projections, norm; the residual passes dOut through.
        INDArray dAct = linearBackward(k.activation, LlamaLayout.down(i), dOut, true, wanted, grads);
        INDArray[] dGateUp = Kernels.siluBackward(dAct, k.gate, k.gateSigmoid, k.up);
        INDArray dGate = dGateUp[0];
        INDArray dUp = dGateUp[1];
        INDArray dH2 = linearBackward(k.mlpNorm.out(), LlamaLayout.gate(i), dGate, true, wanted, grads);
        dH2.addi(linearBackward(k.mlpNorm.out(), LlamaLayout.up(i), dUp, true, wanted, grads));
        INDArray dMid = normBackward(k.mlpNorm, LlamaLayout.postAttentionNorm(i), dH2, true, wanted, grads).addi(dOut);

        // Attention: output projection, back through P·V and the softmax, then rotary embedding and projections.
        INDArray dAtt = linearBackward(k.attention, LlamaLayout.o(i), dMid, true, wanted, grads);
        INDArray dO = groupQueries(dAtt, b);
        INDArray dProbs = Nd4j.matmul(dO, k.v, false, true, false);
        INDArray dVg = Nd4j.matmul(k.probs, dO, true, false, false);
        Kernels.causalSoftmaxBackward(dProbs, k.probs, t, scale);                 // dScores (unscaled), in dProbs
        INDArray dQg = Nd4j.matmul(dProbs, k.k);                                  // [B, kv, rep·T, hd]
        INDArray dKg = Nd4j.matmul(dProbs, k.q, true, false, false);              // [B, kv, T, hd]
        INDArray dq = ropeBackward(ungroupQueries(dQg, b), cosQ, sinQ);
        INDArray dk = ropeBackward(unheads(dKg, kv), cosK, sinK);
        INDArray dv = unheads(dVg, kv);
        if (c.qkNorm()) {
            dq = normBackward(k.qNorm, LlamaLayout.qNorm(i), dq.reshape(-1, hd), true, wanted, grads).reshape(n, c.qWidth());
            dk = normBackward(k.kNorm, LlamaLayout.kNorm(i), dk.reshape(-1, hd), true, wanted, grads).reshape(n, c.kvWidth());
        }
        String norm = LlamaLayout.inputNorm(i);
        boolean needH = wantInput || wanted.contains(norm);
        INDArray dH = linearBackward(k.attnNorm.out(), LlamaLayout.q(i), dq, needH, wanted, grads);
        INDArray dHk = linearBackward(k.attnNorm.out(), LlamaLayout.k(i), dk, needH, wanted, grads);
        INDArray dHv = linearBackward(k.attnNorm.out(), LlamaLayout.v(i), dv, needH, wanted, grads);
        if (!needH) {
            return null;
        }
        dH.addi(dHk).addi(dHv);
        INDArray dIn = normBackward(k.attnNorm, norm, dH, wantInput, wanted, grads);
        return wantInput ? dIn.addi(dMid) : null;
    }

    /** Gradients of a linear layer: the weight's (and bias's, adapters') when wanted; the input's when asked. */
    private INDArray linearBackward(INDArray x, String name, INDArray dy, boolean wantInput, Set<String> wanted,
                                    Map<String, INDArray> grads) {
        if (wanted.contains(name)) {
            grads.put(name, Nd4j.gemm(dy, x, true, false));
        }
        if (wanted.contains(LlamaLayout.bias(name))) {
            grads.put(LlamaLayout.bias(name), dy.sum(0));
        }
        INDArray dx = wantInput ? Nd4j.gemm(dy, weight.apply(name), false, false) : null;
        if (tensors.contains(LoraAdapters.a(name))) {
            String an = LoraAdapters.a(name);
            String bn = LoraAdapters.b(name);
            boolean wantA = wanted.contains(an);
            if (wantA || wanted.contains(bn) || wantInput) {
                INDArray a = weight.apply(an);
                double s = c.lora().scale();
                INDArray dLow = Nd4j.gemm(dy, weight.apply(bn), false, false).muli(s);   // [N, r]
                if (wanted.contains(bn)) {
                    grads.put(bn, Nd4j.gemm(dy, Nd4j.gemm(x, a, false, true), true, false).muli(s));
                }
                if (wantA) {
                    grads.put(an, Nd4j.gemm(dLow, x, true, false));
                }
                if (wantInput) {
                    Nd4j.gemm(dLow, a, dx, false, false, 1.0, 1.0);
                }
            }
        }
        return dx;
    }

    /** RMSNorm backward: {@code dx = inv·(dxn − xn·mean(dxn·xn))} with {@code dxn = dy·w}; {@code dw = Σ dy·xn}. */
    private INDArray normBackward(Norm n, String name, INDArray dy, boolean wantInput, Set<String> wanted,
                                  Map<String, INDArray> grads) {
        if (wanted.contains(name)) {
            grads.put(name, dy.mul(n.normed()).sum(0));
        }
        if (!wantInput) {
            return null;
        }
        return Kernels.rmsNormBackward(n, weight.apply(name), dy);
    }
}
