package io.adept4j.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Low-rank adapters (LoRA) on a language model's projections: each targeted weight {@code W [out, in]} computes
 * {@code W·x + (alpha/rank)·B·(A·x)} with {@code A [rank, in]} and {@code B [out, rank]}. {@code B} starts at zero, so a
 * fresh adapter changes nothing; {@link #merge} folds trained adapters into the weights, giving a plain model. Tensor
 * names follow PEFT: {@code ….q_proj.lora_A.weight}.
 *
 * @param rank    r, the adapters' inner width (≥ 1)
 * @param alpha   the scale numerator: updates are scaled by {@code alpha / rank} (> 0)
 * @param targets projection modules that get adapters, a non-empty subset of {@link #MODULES}
 */
public record LoraAdapters(@JsonProperty("rank") int rank, @JsonProperty("alpha") double alpha,
                           @JsonProperty("targets") List<String> targets) {

    /** Every projection a block has, the default targets (as the ADEPT paper's PT-LoRA baseline adapts all). */
    public static final List<String> MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
            "down_proj");
    /** Default rank. */
    public static final int DEFAULT_RANK = 8;
    /** Default alpha: twice the rank, a common choice (scale 2). */
    public static final double DEFAULT_ALPHA = 16;

    public LoraAdapters {
        List<String> p = new ArrayList<>();
        if (rank < 1) {
            p.add("'loraRank' must be at least 1, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            p.add("'loraAlpha' must be a positive number, got " + alpha);
        }
        if (targets == null || targets.isEmpty() || !MODULES.containsAll(targets)) {
            p.add("'loraTargets' must name some of " + MODULES + ", got " + targets);
        }
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid LoRA settings: " + String.join("; ", p));
        }
        targets = List.copyOf(targets);
    }

    /** The factor on the adapters' output, {@code alpha / rank}. */
    @JsonIgnore
    public double scale() {
        return alpha / rank;
    }

    /** Whether the weight of that name ({@code ….q_proj.weight}) gets an adapter. */
    public boolean adapts(String weight) {
        String[] parts = weight.split("\\.");
        return weight.endsWith(".weight") && parts.length >= 2 && targets.contains(parts[parts.length - 2]);
    }

    /** Name of the down-projection {@code A} of a weight's adapter. */
    public static String a(String weight) {
        return weight.substring(0, weight.length() - ".weight".length()) + ".lora_A.weight";
    }

    /** Name of the up-projection {@code B} of a weight's adapter. */
    public static String b(String weight) {
        return weight.substring(0, weight.length() - ".weight".length()) + ".lora_B.weight";
    }

    /** Whether a tensor name is an adapter's {@code A} or {@code B}. */
    public static boolean isAdapter(String name) {
        return name.endsWith(".lora_A.weight") || name.endsWith(".lora_B.weight");
    }

    /**
     * A fresh adapter's tensor: {@code A} uniform in {@code ±1/√in} (PEFT's default), {@code B} zero, so the adapted
     * model computes exactly what the base computes.
     */
    public static INDArray init(String name, long[] shape, Random rnd) {
        if (name.endsWith(".lora_B.weight")) {
            return Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, shape);
        }
        double bound = 1 / Math.sqrt(shape[1]);
        float[] data = new float[(int) (shape[0] * shape[1])];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
        }
        return Nd4j.createFromArray(data).reshape(shape);
    }

    /** The weights with every adapter folded in, {@code W + (alpha/rank)·B·A}, and no adapter tensors left. */
    public Map<String, INDArray> merge(Map<String, INDArray> weights) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : weights.entrySet()) {
            String name = e.getKey();
            if (isAdapter(name)) {
                continue;
            }
            INDArray w = e.getValue();
            if (weights.containsKey(a(name))) {
                INDArray ba = weights.get(b(name)).castTo(w.dataType()).mmul(weights.get(a(name)).castTo(w.dataType()));
                w = w.add(ba.muli(scale()));
            }
            out.put(name, w);
        }
        return out;
    }

    /** A plain model computing what {@code model}, a model with adapters, computes: the adapters merged. */
    public static CausalLm merged(CausalLm model) {
        LoraAdapters lora = model.config().lora();
        if (lora == null) {
            return model;
        }
        return CausalLm.build(model.config().withLora(null), lora.merge(model.weights()), model.seqLen(),
                model.dataType());
    }
}
