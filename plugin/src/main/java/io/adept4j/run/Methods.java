package io.adept4j.run;

import io.adept4j.model.CausalLm;
import io.adept4j.model.LlamaLayout;
import io.adept4j.stage1.Placement;
import io.adept4j.samediff.SelectiveExpander;
import io.adept4j.samediff.AdeptTrainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of methods {@code adept run} compares, by name: ADEPT, its two ablations and three baselines. */
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

    /** ADEPT (decoupled, with or without replay) and its no-Stage-2 ablation (uniform LR) share the selective expansion. */
    private record Adept(boolean decoupled, boolean replay, String name, String description) implements Method {
        @Override
        public Plan plan(Context ctx) {
            SelectiveExpander.Expansion ex = SelectiveExpander.expand(ctx.base(), Placement.lowestDelta(ctx.probe(), ctx.k()),
                    ctx.check(), null);
            return new Plan(ex.model(), ex.manifest().trainableTensors(), ex.manifest().seedMap(ex.model().config()),
                    decoupled, replay, ex.manifest());
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
            CausalLm m = copyOf(ctx.base());
            List<String> trainable = new ArrayList<>();
            for (int b : Placement.lowestDelta(ctx.probe(), ctx.k()).sources()) {
                trainable.addAll(LlamaLayout.blockTensors(m.config(), b).keySet());
            }
            return new Plan(m, trainable, Map.of(), true, false, null);
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
            return new Plan(ex.model(), ex.manifest().trainableTensors(), Map.of(), false, false, ex.manifest());
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
            return new Plan(m, new ArrayList<>(LlamaLayout.tensors(m.config()).keySet()), Map.of(), false, replay, null);
        }
    }
}
