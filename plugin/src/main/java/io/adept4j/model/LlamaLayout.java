package io.adept4j.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place that knows the Hugging Face LLaMA/Qwen tensor layout: names ({@code model.layers.{i}.self_attn.q_proj
 * .weight}, …), shapes ({@code [out, in]}, applied as {@code x·Wᵀ}) and which tensors are a block's output projections.
 * Real checkpoints therefore load without renaming.
 */
public final class LlamaLayout {

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private LlamaLayout() {
    }

    /** Prefix of block {@code i}'s tensors: {@code model.layers.i.}. */
    public static String layerPrefix(int i) {
        return "model.layers." + i + ".";
    }

    /** The block index of a block tensor ({@code model.layers.i.…}), or -1 for the embedding, final norm and head. */
    public static int layerOf(String name) {
        String p = "model.layers.";
        if (!name.startsWith(p)) {
            return -1;
        }
        int end = name.indexOf('.', p.length());
        return Integer.parseInt(name.substring(p.length(), end));
    }

    /** The same tensor name moved to block {@code to} (a block tensor of any block). */
    public static String moveToLayer(String name, int to) {
        int from = layerOf(name);
        if (from < 0) {
            throw new IllegalArgumentException(name + " is not a block tensor");
        }
        return layerPrefix(to) + name.substring(layerPrefix(from).length());
    }

    public static String q(int i) {
        return layerPrefix(i) + "self_attn.q_proj.weight";
    }

    public static String k(int i) {
        return layerPrefix(i) + "self_attn.k_proj.weight";
    }

    public static String v(int i) {
        return layerPrefix(i) + "self_attn.v_proj.weight";
    }

    public static String o(int i) {
        return layerPrefix(i) + "self_attn.o_proj.weight";
    }

    public static String bias(String weightName) {
        return weightName.substring(0, weightName.length() - "weight".length()) + "bias";
    }

    public static String qNorm(int i) {
        return layerPrefix(i) + "self_attn.q_norm.weight";
    }

    public static String kNorm(int i) {
        return layerPrefix(i) + "self_attn.k_norm.weight";
    }

    public static String gate(int i) {
        return layerPrefix(i) + "mlp.gate_proj.weight";
    }

    public static String up(int i) {
        return layerPrefix(i) + "mlp.up_proj.weight";
    }

    public static String down(int i) {
        return layerPrefix(i) + "mlp.down_proj.weight";
    }

    public static String inputNorm(int i) {
        return layerPrefix(i) + "input_layernorm.weight";
    }

    public static String postAttentionNorm(int i) {
        return layerPrefix(i) + "post_attention_layernorm.weight";
    }

    /** Residual stream leaving block {@code i} (a graph variable, not a tensor). */
    public static String blockOutput(int i) {
        return layerPrefix(i) + "output";
    }

    /** Every tensor of block {@code i}, in a fixed order, with its shape. */
    public static Map<String, long[]> blockTensors(LmConfig c, int i) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int d = c.hiddenSize();
        m.put(inputNorm(i), new long[]{d});
        m.put(q(i), new long[]{c.qWidth(), d});
        m.put(k(i), new long[]{c.kvWidth(), d});
        m.put(v(i), new long[]{c.kvWidth(), d});
        if (c.attentionBias()) {
            m.put(bias(q(i)), new long[]{c.qWidth()});
            m.put(bias(k(i)), new long[]{c.kvWidth()});
            m.put(bias(v(i)), new long[]{c.kvWidth()});
        }
        if (c.qkNorm()) {
            m.put(qNorm(i), new long[]{c.headDim()});
            m.put(kNorm(i), new long[]{c.headDim()});
        }
        m.put(o(i), new long[]{d, c.qWidth()});
        m.put(postAttentionNorm(i), new long[]{d});
        m.put(gate(i), new long[]{c.intermediateSize(), d});
        m.put(up(i), new long[]{c.intermediateSize(), d});
        m.put(down(i), new long[]{d, c.intermediateSize()});
        if (c.lora() != null) { // adapters after the block's own tensors: A [r, in], B [out, r]
            for (Map.Entry<String, long[]> e : new ArrayList<>(m.entrySet())) {
                if (e.getValue().length == 2 && c.lora().adapts(e.getKey())) {
                    m.put(LoraAdapters.a(e.getKey()), new long[]{c.lora().rank(), e.getValue()[1]});
                    m.put(LoraAdapters.b(e.getKey()), new long[]{e.getValue()[0], c.lora().rank()});
                }
            }
        }
        return m;
    }

    /** The tensors of block {@code i} that write into the residual stream: zeroing them makes the block the identity. */
    public static List<String> outputProjections(int i) {
        return List.of(o(i), down(i));
    }

    /** Every tensor of the model with its shape: embedding, blocks, final norm, LM head (unless tied). */
    public static Map<String, long[]> tensors(LmConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(EMBED, new long[]{c.vocabSize(), c.hiddenSize()});
        for (int i = 0; i < c.numLayers(); i++) {
            m.putAll(blockTensors(c, i));
        }
        m.put(FINAL_NORM, new long[]{c.hiddenSize()});
        if (!c.tieEmbeddings()) {
            m.put(LM_HEAD, new long[]{c.vocabSize(), c.hiddenSize()});
        }
        return m;
    }

    /** Names of norm weights (initialised to one, never decayed). */
    public static boolean isNorm(String name) {
        return name.endsWith("layernorm.weight") || name.endsWith("_norm.weight") || name.equals(FINAL_NORM);
    }

    /** Total parameter count. */
    public static long parameterCount(LmConfig c) {
        return count(tensors(c));
    }

    /** Parameters of block {@code i} (every block of a model has the same). */
    public static long blockParameterCount(LmConfig c, int i) {
        return count(blockTensors(c, i));
    }

    private static long count(Map<String, long[]> shapes) {
        long n = 0;
        for (long[] s : shapes.values()) {
            long e = 1;
            for (long x : s) {
                e *= x;
            }
            n += e;
        }
        return n;
    }
}
