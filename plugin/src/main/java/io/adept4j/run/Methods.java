package io.adept4j.run;

import io.adept4j.model.CausalLm;
import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LmConfig;
import io.adept4j.model.LoraAdapters;
import io.adept4j.stage1.Placement;
import io.adept4j.samediff.SelectiveExpander;
import io.adept4j.samediff.UnitImportance;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of methods {@code adept run} compares, by name: ADEPT (with and without replay), its two ablations, and
 * the baselines: full CPT (with and without replay), LLaMA-Pro, PT-LoRA, and three freezing schemes that train as many
 * parameters as ADEPT's copies (the top or the bottom K blocks, or an importance-based column shield).
 */
public final class Methods {

    private static final Map<String, Method> REGISTRY = new LinkedHashMap<>();

    static {
        register(new Adept(true, false, "adept",
                "ADEPT: copies of the K lowest-ΔL blocks, only they train, per-unit learning rates from general importance"));
        register(new Adept(true, true, "adept-replay",
                "ADEPT with replay: as adept, with general windows mixed into the domain batches (replayWeight)"));
        register(new Adept(false, false, "adept-no-stage2",
                "ablation: ADEPT's selective expansion, one learning rate (no unit importance)"));
        register(new NoExpansion());
        register(new LlamaPro());
        register(new Full(false));
        register(new Full(true));
        register(new FreezeBlocks(true));
        register(new FreezeBlocks(false));
        register(new ColumnShield());
        register(new Lora());
    }

    private Methods() {
    }

    /** Adds a method (a user's own, too); its name must be new. */
    public static void register(Method m) {
        if (REGISTRY.putIfAbsent(m.name(), m) != null) {
            throw new IllegalArgumentException("a method named " + m.name() + " is already registered");
        }
    }

    /** Registered names in registration order. */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** The method of that name. */
    public static Method get(String name) {
        Method m = REGISTRY.get(name);
        if (m == null) {
            throw new IllegalArgumentException("unknown method '" + name + "'; known: " + String.join(", ", names()));
        }
        return m;
    }

    private static CausalLm copyOf(CausalLm base) {
        return CausalLm.build(base.config(), base.weights(), base.seqLen(), base.dataType());
    }

    /** A copy of the base whose given original blocks train (every tensor of each), nothing expanded. */
    private static Method.Plan originalBlocks(Method.Context ctx, List<Integer> blocks, boolean decoupled) {
        CausalLm m = copyOf(ctx.base());
        List<String> trainable = new ArrayList<>();
        for (int b : blocks) {
            trainable.addAll(LlamaLayout.blockTensors(m.config(), b).keySet());
        }
        return new Method.Plan(m, trainable, Map.of(), decoupled, false, null, Map.of());
    }

    /** ADEPT (decoupled, with or without replay) and its no-Stage-2 ablation (uniform LR) share the selective expansion. */
    private record Adept(boolean decoupled, boolean replay, String name, String description) implements Method {
        @Override
        public Plan plan(Context ctx) {
            SelectiveExpander.Expansion ex = SelectiveExpander.expand(ctx.base(), Placement.lowestDelta(ctx.probe(), ctx.k()),
                    ctx.check(), null);
            return new Plan(ex.model(), ex.manifest().trainableTensors(), ex.manifest().seedMap(ex.model().config()),
                    decoupled, replay, ex.manifest(), Map.of());
        }

        @Override
        public boolean ablation() {
            return !decoupled;
        }
    }

    /** Ablation without Stage 1: no expansion; the K least important original blocks train with decoupled LRs. */
    private record NoExpansion() implements Method {
        @Override
        public String name() {
            return "adept-no-stage1";
        }

        @Override
        public String description() {
            return "ablation: no expansion; the K lowest-ΔL original blocks train with per-unit learning rates";
        }

        @Override
        public boolean ablation() {
            return true;
        }

        @Override
        public Plan plan(Context ctx) {
            return originalBlocks(ctx, Placement.lowestDelta(ctx.probe(), ctx.k()).sources(), true);
        }
    }

    /** LLaMA-Pro: K copies placed uniformly (after every L/K-th block), only they train, one learning rate. */
    private record LlamaPro() implements Method {
        @Override
        public String name() {
            return "llama-pro";
        }

        @Override
        public String description() {
            return "LLaMA-Pro: K identity copies placed uniformly, only they train, one learning rate";
        }

        @Override
        public Plan plan(Context ctx) {
            int layers = ctx.base().config().numLayers();
            int k = ctx.k();
            while (layers % k != 0) { // uniform placement needs K | L: the nearest smaller K that divides
                k--;
            }
            SelectiveExpander.Expansion ex = SelectiveExpander.expand(ctx.base(), Placement.uniform(k, layers), ctx.check(), null);
            return new Plan(ex.model(), ex.manifest().trainableTensors(), Map.of(), false, false, ex.manifest(), Map.of());
        }
    }

    /** Full-parameter continual pretraining, with or without replay of general data. */
    private record Full(boolean replay) implements Method {
        @Override
        public String name() {
            return replay ? "full-replay" : "full";
        }

        @Override
        public String description() {
            return replay ? "full CPT with replay: every tensor trains, general windows mixed into the domain batches"
                    : "full CPT: every tensor trains, one learning rate";
        }

        @Override
        public Plan plan(Context ctx) {
            CausalLm m = copyOf(ctx.base());
            return new Plan(m, new ArrayList<>(LlamaLayout.tensors(m.config()).keySet()), Map.of(), false, replay, null,
                    Map.of());
        }
    }

    /**
     * Train K original blocks and freeze the rest, no expansion: {@code freeze-bottom} trains the top K blocks (the
     * bottom stays frozen, which work on "spurious forgetting" in continual learning reports protects earlier skills),
     * {@code freeze-top} the bottom K. Same trainable parameter count as ADEPT's K copies.
     */
    private record FreezeBlocks(boolean freezeBottom) implements Method {
        @Override
        public String name() {
            return freezeBottom ? "freeze-bottom" : "freeze-top";
        }

        @Override
        public String description() {
            return freezeBottom ? "baseline: the top K original blocks train, the bottom ones stay frozen, one learning rate"
                    : "baseline: the bottom K original blocks train, the top ones stay frozen, one learning rate";
        }

        @Override
        public Plan plan(Context ctx) {
            int layers = ctx.base().config().numLayers();
            Placement.requireK(ctx.k(), layers);
            List<Integer> blocks = new ArrayList<>();
            for (int i = 0; i < ctx.k(); i++) {
                blocks.add(freezeBottom ? layers - 1 - i : i);
            }
            return originalBlocks(ctx, blocks, false);
        }
    }

    /**
     * Importance-based column freezing, after source-shielded updates: on general batches, score every input column of
     * every block matrix ({@code [out, in]}) by the mean of its elements' importance {@code |w|·mean|∂L/∂w|}; in each
     * matrix the least important columns train and the most important stay frozen, so that the trained elements add up
     * to the parameters of ADEPT's K copies (the same share in every matrix; norms stay frozen). One learning rate.
     */
    private record ColumnShield() implements Method {
        @Override
        public String name() {
            return "column-shield";
        }

        @Override
        public String description() {
            return "baseline: the input columns most important to general text stay frozen in every block matrix, the "
                    + "rest trains (as many parameters as ADEPT's copies), one learning rate";
        }

        @Override
        public Plan plan(Context ctx) {
            CausalLm m = copyOf(ctx.base());
            Placement.requireK(ctx.k(), m.config().numLayers());
            if (ctx.general().isEmpty()) {
                throw new IllegalArgumentException("column-shield needs general batches to score importance on");
            }
            long budget = ctx.k() * LlamaLayout.blockParameterCount(m.config(), 0); // K copies train K blocks' parameters
            List<String> matrices = new ArrayList<>();
            long total = 0;
            for (int b = 0; b < m.config().numLayers(); b++) {
                for (Map.Entry<String, long[]> e : LlamaLayout.blockTensors(m.config(), b).entrySet()) {
                    if (e.getValue().length == 2) {
                        matrices.add(e.getKey());
                        total += e.getValue()[0] * e.getValue()[1];
                    }
                }
            }
            double share = Math.min(1.0, (double) budget / total);
            UnitImportance.Result imp = UnitImportance.compute(m, ctx.general(), matrices, Map.of());
            Map<String, INDArray> mask = new LinkedHashMap<>();
            for (String t : matrices) {
                mask.put(t, shieldMask(imp.elements().get(t), share));
            }
            return new Plan(m, matrices, Map.of(), false, false, null, mask);
        }

        /** 1 on the {@code share} least important input columns of an {@code [out, in]} importance matrix, 0 elsewhere. */
        static INDArray shieldMask(INDArray importance, double share) {
            double[] column = importance.mean(0).toDoubleVector(); // one value per input column
            int in = column.length;
            int trained = (int) Math.round(share * in);
            Integer[] order = new Integer[in];
            for (int j = 0; j < in; j++) {
                order[j] = j;
            }
            java.util.Arrays.sort(order, java.util.Comparator.<Integer>comparingDouble(j -> column[j])
                    .thenComparingInt(j -> j));
            INDArray row = Nd4j.zeros(importance.dataType(), 1, in);
            for (int r = 0; r < trained; r++) {
                row.putScalar(0, order[r], 1.0);
            }
            return row.broadcast(importance.shape()).dup();
        }
    }

    /**
     * PT-LoRA (the ADEPT paper's baseline): rank-r adapters on the projections of every block ({@code loraRank},
     * {@code loraAlpha}, {@code loraTargets}; {@code B} zero, so training starts from the base's function), the base
     * frozen, one learning rate. Saved models have the adapters merged in ({@code ModelStore}).
     */
    private record Lora() implements Method {
        @Override
        public String name() {
            return "lora";
        }

        @Override
        public String description() {
            return "PT-LoRA: rank-r adapters on the block projections train, the base stays frozen, one learning rate";
        }

        @Override
        public Plan plan(Context ctx) {
            LoraAdapters lora = ctx.config().lora();
            LmConfig c = ctx.base().config().withLora(lora);
            Map<String, INDArray> w = new LinkedHashMap<>(ctx.base().weights());
            java.util.Random rnd = new java.util.Random(ctx.seed() ^ 0x10A7L); // adapters of their own per replicate
            List<String> adapters = new ArrayList<>();
            for (Map.Entry<String, long[]> e : LlamaLayout.tensors(c).entrySet()) {
                if (LoraAdapters.isAdapter(e.getKey())) {
                    w.put(e.getKey(), LoraAdapters.init(e.getKey(), e.getValue(), rnd));
                    adapters.add(e.getKey());
                }
            }
            CausalLm m = CausalLm.build(c, w, ctx.base().seqLen(), ctx.base().dataType());
            return new Plan(m, adapters, Map.of(), false, false, null, Map.of());
        }
    }
}
