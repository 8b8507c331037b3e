package io.adept4j.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adept4j.datavec.tokenize.TokenizerSpec;
import io.adept4j.model.LmConfig;
import io.adept4j.model.RopeScaling;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place that knows {@code transformers}' {@code config.json} for the decoder families adept4j runs:
 * {@code LlamaForCausalLM}, {@code Qwen2ForCausalLM} (biases on q/k/v) and {@code Qwen3ForCausalLM} (per-head q/k
 * RMSNorm). Defaults are those of the {@code transformers} config classes. Anything that would change the computation
 * in a way adept4j does not implement (another activation, sliding-window attention, an MLP or output-projection bias, a
 * rope scaling type other than linear/llama3, quantisation) is refused by name instead of being ignored.
 */
public final class HfConfig {

    /** A supported architecture: its {@code architectures[0]} and {@code model_type}. */
    public enum Family {
        LLAMA("LlamaForCausalLM", "llama", 2048),
        QWEN2("Qwen2ForCausalLM", "qwen2", 32768),
        QWEN3("Qwen3ForCausalLM", "qwen3", 32768);

        /** {@code architectures[0]}. */
        public final String architecture;
        /** {@code model_type}. */
        public final String modelType;
        final int defaultMaxPositions;

        Family(String architecture, String modelType, int defaultMaxPositions) {
            this.architecture = architecture;
            this.modelType = modelType;
            this.defaultMaxPositions = defaultMaxPositions;
        }

        static Family of(JsonNode cfg) {
            String arch = cfg.path("architectures").path(0).asText(null);
            String type = cfg.path("model_type").asText(null);
            for (Family f : values()) {
                if (f.architecture.equals(arch) || (arch == null && f.modelType.equals(type))) {
                    return f;
                }
            }
            List<String> known = new ArrayList<>();
            for (Family f : values()) {
                known.add(f.architecture);
            }
            throw new IllegalArgumentException("unsupported architecture '" + (arch != null ? arch : type)
                    + "' (supported: " + String.join(", ", known) + ")");
        }

        /** The family whose layout matches a model's options. */
        public static Family of(LmConfig c) {
            if (c.qkNorm() && c.attentionBias()) {
                throw new IllegalArgumentException("q/k norm together with q/k/v biases matches no supported Hugging Face"
                        + " architecture (Qwen3 with attention_bias also biases o_proj)");
            }
            return c.qkNorm() ? QWEN3 : c.attentionBias() ? QWEN2 : LLAMA;
        }
    }

    /** A parsed config: the model's shape, its family, and the end-of-sequence id if the config names one (else -1). */
    public record Parsed(LmConfig config, Family family, int eosTokenId) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private HfConfig() {
    }

    /**
     * Parses a {@code config.json} tree.
     *
     * @param tokenizer the tokenizer's spec, or null when the checkpoint has none
     * @throws IllegalArgumentException naming every unsupported option or missing key
     */
    public static Parsed parse(JsonNode cfg, TokenizerSpec tokenizer) {
        Family family = Family.of(cfg);
        List<String> problems = new ArrayList<>();
        String act = cfg.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            problems.add("hidden_act '" + act + "' is not supported (only silu, i.e. SwiGLU)");
        }
        if (cfg.path("mlp_bias").asBoolean(false)) {
            problems.add("mlp_bias=true is not supported");
        }
        if (family != Family.QWEN2 && cfg.path("attention_bias").asBoolean(false)) {
            problems.add("attention_bias=true is not supported for " + family.architecture + " (it biases o_proj too)");
        }
        if (cfg.path("use_sliding_window").asBoolean(false)) {
            problems.add("use_sliding_window=true is not supported (adept4j attends over the whole sequence)");
        }
        for (JsonNode t : cfg.path("layer_types")) {
            if (!t.asText().equals("full_attention")) {
                problems.add("layer_types contains '" + t.asText() + "' (only full_attention is supported)");
                break;
            }
        }
        if (cfg.hasNonNull("quantization_config")) {
            problems.add("quantized checkpoints (quantization_config) are not supported");
        }
        int hidden = required(cfg, "hidden_size", problems);
        int layers = required(cfg, "num_hidden_layers", problems);
        int heads = required(cfg, "num_attention_heads", problems);
        int vocab = required(cfg, "vocab_size", problems);
        int ff = required(cfg, "intermediate_size", problems);
        int kv = cfg.hasNonNull("num_key_value_heads") ? cfg.get("num_key_value_heads").asInt() : heads;
        int headDim = cfg.hasNonNull("head_dim") ? cfg.get("head_dim").asInt() : (heads > 0 ? hidden / heads : 0);
        if (family == Family.QWEN2 && heads > 0 && headDim * heads != hidden) {
            problems.add("Qwen2 needs hidden_size divisible by num_attention_heads");
        }
        int maxPos = cfg.path("max_position_embeddings").asInt(family.defaultMaxPositions);
        // transformers 5 moves theta and scaling into rope_parameters; 4.x has rope_theta and rope_scaling.
        JsonNode ropeParams = cfg.path("rope_parameters");
        double theta = ropeParams.hasNonNull("rope_theta") ? ropeParams.get("rope_theta").asDouble()
                : cfg.path("rope_theta").asDouble(10000.0);
        JsonNode scalingNode = ropeParams.isObject() ? ropeParams : cfg.path("rope_scaling");
        RopeScaling scaling = null;
        try {
            scaling = ropeScaling(scalingNode);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        double eps = cfg.path("rms_norm_eps").asDouble(1e-6);
        boolean tie = cfg.path("tie_word_embeddings").asBoolean(false);
        JsonNode eosNode = cfg.path("eos_token_id");
        int eos = eosNode.isArray() ? eosNode.path(0).asInt(-1) : eosNode.asInt(-1);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(family.architecture + " config: " + String.join("; ", problems));
        }
        LmConfig c = new LmConfig(vocab, hidden, layers, heads, kv, headDim, ff, maxPos, theta, eps, tie,
                family == Family.QWEN3, family == Family.QWEN2, tokenizer, scaling);
        return new Parsed(c, family, eos);
    }

    private static int required(JsonNode cfg, String key, List<String> problems) {
        if (!cfg.hasNonNull(key) || !cfg.get(key).canConvertToInt()) {
            problems.add("missing or non-integer '" + key + "'");
            return 0;
        }
        return cfg.get(key).asInt();
    }

    private static RopeScaling ropeScaling(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText() : n.path("type").asText("default");
        return switch (type) {
            case "default" -> null;
            case RopeScaling.LINEAR -> RopeScaling.linear(n.path("factor").asDouble(1.0));
            case RopeScaling.LLAMA3 -> new RopeScaling(RopeScaling.LLAMA3, n.path("factor").asDouble(),
                    n.path("low_freq_factor").asDouble(), n.path("high_freq_factor").asDouble(),
                    n.path("original_max_position_embeddings").asInt());
            default -> throw new IllegalArgumentException("rope scaling type '" + type
                    + "' is not supported (supported: default, linear, llama3)");
        };
    }

    /**
     * The {@code config.json} for a model, in the format of its family.
     *
     * @param eosTokenId written as {@code eos_token_id} when ≥ 0
     * @param dtype      the safetensors dtype the weights are stored in ({@code F32} or {@code BF16}), written as
     *                   {@code torch_dtype}
     */
    public static ObjectNode toJson(LmConfig c, int eosTokenId, String dtype) {
        Family f = Family.of(c);
        if (f == Family.QWEN2 && c.headDim() * c.numHeads() != c.hiddenSize()) {
            throw new IllegalArgumentException("Qwen2 cannot express head_dim " + c.headDim() + " != hidden_size / heads");
        }
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add(f.architecture);
        n.put("model_type", f.modelType);
        n.put("vocab_size", c.vocabSize());
        n.put("hidden_size", c.hiddenSize());
        n.put("intermediate_size", c.intermediateSize());
        n.put("num_hidden_layers", c.numLayers());
        n.put("num_attention_heads", c.numHeads());
        n.put("num_key_value_heads", c.numKvHeads());
        if (f != Family.QWEN2) {
            n.put("head_dim", c.headDim());
        }
        n.put("hidden_act", "silu");
        n.put("max_position_embeddings", c.maxSeqLen());
        n.put("rms_norm_eps", c.rmsNormEps());
        n.put("rope_theta", c.ropeTheta());
        RopeScaling s = c.ropeScaling();
        if (s == null) {
            n.putNull("rope_scaling");
        } else {
            ObjectNode r = n.putObject("rope_scaling");
            r.put("rope_type", s.type());
            r.put("type", s.type());
            r.put("factor", s.factor());
            if (RopeScaling.LLAMA3.equals(s.type())) {
                r.put("low_freq_factor", s.lowFreqFactor());
                r.put("high_freq_factor", s.highFreqFactor());
                r.put("original_max_position_embeddings", s.originalMaxPositionEmbeddings());
            }
        }
        n.put("tie_word_embeddings", c.tieEmbeddings());
        if (f == Family.LLAMA) {
            n.put("attention_bias", false);
            n.put("mlp_bias", false);
        } else {
            n.put("use_sliding_window", false);
            if (f == Family.QWEN3) {
                n.put("attention_bias", false);
            }
        }
        if (eosTokenId >= 0) {
            n.put("eos_token_id", eosTokenId);
        }
        n.put("torch_dtype", switch (dtype) {
            case "F32" -> "float32";
            case "BF16" -> "bfloat16";
            default -> throw new IllegalArgumentException("no torch_dtype for safetensors dtype '" + dtype + "'");
        });
        return n;
    }
}
