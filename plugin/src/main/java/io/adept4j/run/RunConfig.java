package io.adept4j.run;

import io.adept4j.listeners.PerplexityMonitor.GuardAction;
import io.adept4j.model.LoraAdapters;
import io.adept4j.stage2.Granularity;
import io.adept4j.stage2.Policy;
import io.adept4j.stage2.TuneConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of {@code adept run}: one flat map of documented keys ({@link #KEYS}, each with its type and default),
 * read from YAML or JSON and checked before any work: an unknown key, a wrong type or an impossible value is an
 * error that names the key. Values not given take their defaults; CLI flags override file values via {@link #with}.
 */
public final class RunConfig {

    /** A documented key: its kind ({@code string}, {@code int}, {@code double}, {@code list}), default and meaning. */
    public record Key(String name, String kind, Object defaultValue, String doc) {
    }

    /** Every key {@code adept run} understands. */
    public static final List<Key> KEYS = List.of(
            new Key("name", "string", "run", "run name: outputs go to runs/<name>-<timestamp>/ unless --out is given"),
            new Key("general", "string", "bundled", "general corpus (file, folder or glob), or 'bundled' for corpora/general.jsonl.gz"),
            new Key("domain", "string", "math", "domain corpus (file, folder or glob), or 'math' / 'code' for a bundled one"),
            new Key("preset", "string", "small", "model and pretraining size when no base model is given: tiny, small or default"),
            new Key("tokenizer", "string", ShippedBase.TOKENIZER, "tokenizer of a base model pretrained here: bpe:VOCAB or byte (the shipped base's: " + ShippedBase.TOKENIZER + ")"),
            new Key("seed", "int", 42L, "seed of pretraining, data order and splits (every method uses the same)"),
            new Key("seeds", "list", List.of(), "replicates: every method runs once per seed (split, probe, data order); tables show mean ± sd ([]: just 'seed')"),
            new Key("ablationSeeds", "int", 0L, "how many of the seeds the ablations (adept-no-*) run (0: all)"),
            new Key("baseModel", "string", "", "an existing base model folder (overrides 'base')"),
            new Key("base", "string", "auto", "without baseModel: auto (the shipped base in shippedBase when preset, tokenizer and pretrainSteps match it, else pretrain on the general corpus, cached), shipped (require the shipped base) or pretrain (always pretrain on the general corpus, cached)"),
            new Key("shippedBase", "string", ShippedBase.DIR, "folder of the shipped base model (relative paths: to the project folder)"),
            new Key("baseCache", "string", ".cache/base", "where pretrained base models are kept between runs"),
            new Key("pretrainSteps", "int", 0L, "pretraining steps (0: the preset's)"),
            new Key("seqLen", "int", 0L, "window length T (0: the base model's maximum; set it for imported long-context models)"),
            new Key("probeBatches", "int", 16L, "general batches for the layer probe"),
            new Key("k", "int", 0L, "blocks to copy (0: a quarter of the base model's blocks, at least 1)"),
            new Key("steps", "int", 60L, "training steps of every method (the same token budget for all)"),
            new Key("batchSize", "int", 0L, "windows per step (0: the preset's)"),
            new Key("learningRate", "double", TuneConfig.DEFAULT_LEARNING_RATE, "peak learning rate of every method (warm-up + cosine)"),
            new Key("learningRates", "list", List.of(), "learning-rate rule: [] = every method uses learningRate; a grid (e.g. [0.001, 0.003, 0.01]) = each method takes the rate with the lowest domain loss on pieces held out of the training side, searched on the first seed"),
            new Key("lrSearchSteps", "int", 0L, "steps per rate of the learning-rate search (0: the run's steps)"),
            new Key("warmupSteps", "int", 0L, "warm-up steps (0: a twentieth of the steps)"),
            new Key("refreshEvery", "int", 0L, "ADEPT: importance refresh interval (0: " + TuneConfig.DEFAULT_REFRESH + " or a third of short runs)"),
            new Key("initialProbe", "bool", TuneConfig.DEFAULT_INITIAL_PROBE, "ADEPT: multipliers from importance before the first step (else uniform until the first refresh)"),
            new Key("granularity", "string", TuneConfig.DEFAULT_GRANULARITY_NAME, "ADEPT: importance unit: tensor, neuron or element"),
            new Key("policy", "string", TuneConfig.DEFAULT_POLICY_NAME, "ADEPT: learning-rate policy: continuous (m = 2(1 - importance min-max-normalised within each tensor; tensor units across tensors, as the paper's code)), rank (the same, rank-normalised: multipliers average 1), continuous-global / rank-global (normalised over all units at once) or split"),
            new Key("splitQuantile", "double", TuneConfig.DEFAULT_SPLIT_QUANTILE, "split policy: importance quantile above which units are general-critical"),
            new Key("splitHi", "double", TuneConfig.DEFAULT_SPLIT_HI, "split policy: multiplier of domain-adaptive units"),
            new Key("splitLo", "double", TuneConfig.DEFAULT_SPLIT_LO, "split policy: multiplier of general-critical units"),
            new Key("probeBatchesPerRefresh", "int", (long) TuneConfig.DEFAULT_PROBE_BATCHES, "ADEPT: general batches per importance refresh"),
            new Key("replayWeight", "double", 0.2, "full-replay and adept-replay: share of general windows in each batch"),
            new Key("evalEvery", "int", 0L, "validation of both corpora every N steps for the curves (0: an eighth of the steps, at least 5)"),
            new Key("evalBatches", "int", (long) TuneConfig.DEFAULT_EVAL_BATCHES, "batches per periodic validation"),
            new Key("finalEvalBatches", "int", 0L, "batches of the before/after validation of each corpus (0: the whole validation sets)"),
            new Key("tokenEvalBatches", "int", 8L, "general/domain validation batches for top-1 accuracy and prediction shift"),
            new Key("forgettingMargin", "double", TuneConfig.DEFAULT_FORGETTING_MARGIN, "forgetting guard: allowed rise of general loss, nats/token"),
            new Key("guard", "string", TuneConfig.DEFAULT_GUARD_NAME, "forgetting guard action: off, warn or stop"),
            new Key("generalTasks", "string", "", "multiple-choice task file (JSON Lines) on general text, scored on the base and after each method, its source documents kept out of the run ('': none; 'bundled': corpora/tasks/general.jsonl)"),
            new Key("domainTasks", "string", "", "the same on the domain ('bundled': corpora/tasks/<domain>.jsonl)"),
            new Key("loraRank", "int", (long) LoraAdapters.DEFAULT_RANK, "lora: rank r of the adapters"),
            new Key("loraAlpha", "double", LoraAdapters.DEFAULT_ALPHA, "lora: alpha; the adapters' output is scaled by alpha / r"),
            new Key("loraTargets", "list", LoraAdapters.MODULES, "lora: projections that get adapters"),
            new Key("methods", "list", List.of("adept", "adept-replay", "full", "full-replay", "llama-pro", "adept-no-stage1",
                    "adept-no-stage2"),
                    "methods to run, any of: " + String.join(", ", Methods.names())));

    private final Map<String, Object> values;

    private RunConfig(Map<String, Object> values) {
        this.values = values;
    }

    /**
     * The tuning settings every method of a run trains with: this config's keys, each method's own choice of decoupled
     * learning rates and replay, and {@link TuneConfig}'s defaults for what the run leaves open (0).
     */
    public TuneConfig tuneConfig(int batch, boolean decoupled, boolean replay) {
        TuneConfig.Builder t = TuneConfig.builder((int) integer("steps"), batch, integer("seed"))
                .learningRate(real("learningRate"))
                .initialProbe(flag("initialProbe"))
                .granularity(Granularity.parse(str("granularity")))
                .policy(decoupled ? Policy.parse(str("policy")) : Policy.UNIFORM)
                .split(real("splitQuantile"), real("splitHi"), real("splitLo"))
                .probeBatches((int) integer("probeBatchesPerRefresh"))
                .replayWeight(replay ? real("replayWeight") : 0.0)
                .guard(real("forgettingMargin"), GuardAction.parse(str("guard")));
        if (integer("warmupSteps") > 0) {
            t.warmupSteps((int) integer("warmupSteps"));
        }
        if (integer("refreshEvery") > 0) {
            t.refreshEvery((int) integer("refreshEvery"));
        }
        TuneConfig open = t.build(); // what the run leaves open (0) keeps TuneConfig's default
        return t.evaluation(integer("evalEvery") > 0 ? (int) integer("evalEvery") : open.evalEvery(),
                (int) integer("evalBatches")).build();
    }

    /** All defaults. */
    public static RunConfig defaults() {
        Map<String, Object> v = new LinkedHashMap<>();
        KEYS.forEach(k -> v.put(k.name(), k.defaultValue()));
        return new RunConfig(v).validated();
    }

    /** Reads a YAML ({@code .yaml}/{@code .yml}) or JSON file; missing keys take their defaults. */
    public static RunConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config file " + file + " does not exist");
        }
        String n = file.getFileName().toString().toLowerCase();
        ObjectMapper mapper = n.endsWith(".yaml") || n.endsWith(".yml") ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
        JsonNode root;
        try {
            root = mapper.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("config file " + file + " is not valid " + (n.endsWith(".json") ? "JSON" : "YAML")
                    + ": " + e.getOriginalMessage());
        }
        return fromTree(root, "config " + file);
    }

    /**
     * Builds a config from an already parsed map of keys (e.g. the {@code run} section of a sweep file); {@code where}
     * names its origin in error messages. Missing keys take their defaults.
     */
    public static RunConfig fromTree(JsonNode root, String where) {
        RunConfig c = defaults();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return c;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(where + " must hold a map of keys, e.g. 'steps: 60'");
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            overrides.put(e.getKey(), convert(where, e.getKey(), e.getValue()));
        }
        return c.with(overrides);
    }

    private static Object convert(String origin, String key, JsonNode v) {
        Key k = key(key);
        String where = origin + ": key '" + key + "'";
        return switch (k.kind()) {
            case "string" -> {
                if (!v.isTextual()) {
                    throw new IllegalArgumentException(where + " must be a string, got " + v);
                }
                yield v.asText();
            }
            case "int" -> {
                if (!v.isIntegralNumber()) {
                    throw new IllegalArgumentException(where + " must be an integer, got " + v);
                }
                yield v.asLong();
            }
            case "double" -> {
                if (!v.isNumber()) {
                    throw new IllegalArgumentException(where + " must be a number, got " + v);
                }
                yield v.asDouble();
            }
            case "bool" -> {
                if (!v.isBoolean()) {
                    throw new IllegalArgumentException(where + " must be true or false, got " + v);
                }
                yield v.asBoolean();
            }
            default -> {
                if (!v.isArray()) {
                    throw new IllegalArgumentException(where + " must be a list, e.g. [adept, full], got " + v);
                }
                List<String> l = new ArrayList<>();
                v.forEach(x -> l.add(x.asText()));
                yield l;
            }
        };
    }

    /** The key named {@code name}, or an error listing the known keys. */
    static Key key(String name) {
        for (Key k : KEYS) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown config key '" + name + "'; known keys: "
                + String.join(", ", KEYS.stream().map(Key::name).toList()));
    }

    /** A copy with some values replaced (keys checked, values of the key's kind), validated. */
    public RunConfig with(Map<String, Object> overrides) {
        Map<String, Object> v = new LinkedHashMap<>(values);
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            Key k = key(e.getKey());
            Object x = e.getValue();
            boolean ok = switch (k.kind()) {
                case "string" -> x instanceof String;
                case "int" -> x instanceof Long || x instanceof Integer;
                case "double" -> x instanceof Number;
                case "bool" -> x instanceof Boolean;
                default -> x instanceof List;
            };
            if (!ok) {
                throw new IllegalArgumentException("config key '" + k.name() + "' must be of kind " + k.kind() + ", got " + x);
            }
            v.put(k.name(), x instanceof Integer i ? Long.valueOf(i) : x);
        }
        return new RunConfig(v).validated();
    }

    private RunConfig validated() {
        List<String> p = new ArrayList<>();
        if (!List.of("tiny", "small", "default").contains(str("preset"))) {
            p.add("'preset' must be tiny, small or default, got " + str("preset"));
        }
        for (String key : List.of("probeBatches", "steps", "probeBatchesPerRefresh", "evalBatches", "tokenEvalBatches")) {
            if (integer(key) < 1) {
                p.add("'" + key + "' must be at least 1, got " + integer(key));
            }
        }
        for (String key : List.of("seed", "pretrainSteps", "seqLen", "k", "batchSize", "warmupSteps", "refreshEvery", "evalEvery")) {
            if (integer(key) < 0) {
                p.add("'" + key + "' must be >= 0, got " + integer(key));
            }
        }
        if (!(real("replayWeight") > 0 && real("replayWeight") < 1)) {
            p.add("'replayWeight' must be in (0, 1), got " + real("replayWeight"));
        }
        if (str("policy").equals(io.adept4j.stage2.Policy.UNIFORM.configName())) { // the baselines' own
            p.add("'policy' uniform would turn ADEPT's Stage 2 off: run the no-stage2 ablation method for that");
        }
        if (!List.of("auto", "shipped", "pretrain").contains(str("base"))) {
            p.add("'base' must be auto, shipped or pretrain, got " + str("base"));
        }
        if (str("base").equals("shipped") && str("baseModel").isEmpty() && !usesShippedBase()) { // asked, not usable
            p.add("'base: shipped' needs preset " + ShippedBase.PRESET + ", tokenizer " + ShippedBase.TOKENIZER
                    + " and pretrainSteps 0 (the shipped base's), got " + str("preset") + ", " + str("tokenizer") + ", "
                    + integer("pretrainSteps"));
        }
        try {
            lora();
        } catch (IllegalArgumentException e) {
            p.add(e.getMessage().replaceFirst("^invalid LoRA settings: ", ""));
        }
        if (p.isEmpty()) {
            try { // the tuning keys are checked once, by the settings they become (policy, split bounds, guard, ...)
                tuneConfig(1, true, true);
            } catch (IllegalArgumentException e) {
                p.add(e.getMessage().replaceFirst("^invalid tuning settings: ", ""));
            }
        }
        try {
            List<Long> seeds = seeds();
            if (new java.util.HashSet<>(seeds).size() != seeds.size()) {
                p.add("'seeds' repeats a seed: " + seeds);
            }
        } catch (NumberFormatException e) {
            p.add("'seeds' must be a list of whole numbers, e.g. [42, 43, 44], got " + values.get("seeds"));
        }
        try {
            for (double lr : learningRates()) {
                if (!(lr > 0) || Double.isInfinite(lr)) {
                    p.add("'learningRates' must hold positive numbers, got " + lr);
                }
            }
        } catch (NumberFormatException e) {
            p.add("'learningRates' must be a list of numbers, e.g. [0.001, 0.003, 0.01], got " + values.get("learningRates"));
        }
        if (integer("lrSearchSteps") < 0) {
            p.add("'lrSearchSteps' must be >= 0, got " + integer("lrSearchSteps"));
        }
        if (integer("ablationSeeds") < 0) {
            p.add("'ablationSeeds' must be >= 0, got " + integer("ablationSeeds"));
        }
        List<String> methods = methods();
        if (methods.isEmpty()) {
            p.add("'methods' must name at least one method");
        }
        for (String m : methods) {
            if (!Methods.names().contains(m)) {
                p.add("'methods' names unknown method '" + m + "'; known: " + String.join(", ", Methods.names()));
            }
        }
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid run config: " + String.join("; ", p));
        }
        return this;
    }

    /** A string value. */
    public String str(String key) {
        return (String) values.get(key(key).name());
    }

    /** An integer value. */
    public long integer(String key) {
        return ((Number) values.get(key(key).name())).longValue();
    }

    /** A number value. */
    public double real(String key) {
        return ((Number) values.get(key(key).name())).doubleValue();
    }

    /** A boolean value. */
    public boolean flag(String key) {
        return (Boolean) values.get(key(key).name());
    }

    /** The {@code lora} method's adapters: {@code loraRank}, {@code loraAlpha}, {@code loraTargets}. */
    @SuppressWarnings("unchecked")
    public LoraAdapters lora() {
        return new LoraAdapters((int) integer("loraRank"), real("loraAlpha"),
                ((List<String>) values.get("loraTargets")).stream().map(String::trim).toList());
    }

    /** The methods to run, in order. */
    @SuppressWarnings("unchecked")
    public List<String> methods() {
        return List.copyOf((List<String>) values.get("methods"));
    }

    /** The seeds of the replicates: {@code seeds}, or {@code [seed]} when it is empty. */
    @SuppressWarnings("unchecked")
    public List<Long> seeds() {
        List<String> l = (List<String>) values.get("seeds");
        return l.isEmpty() ? List.of(integer("seed")) : l.stream().map(x -> Long.parseLong(x.trim())).toList();
    }

    /**
     * Whether this run adapts the shipped base: no {@code baseModel}, {@code base} not {@code pretrain}, and the preset,
     * tokenizer and pretraining budget of the shipped base. The one place this is decided (the CLI checks the files
     * before writing anything, {@link AdeptRun} loads them).
     */
    public boolean usesShippedBase() {
        return str("baseModel").isEmpty() && !str("base").equals("pretrain")
                && ShippedBase.matches(str("preset"), str("tokenizer"), integer("pretrainSteps"));
    }

    /** The learning-rate grid of the per-method search (empty: one shared learning rate). */
    @SuppressWarnings("unchecked")
    public List<Double> learningRates() {
        return ((List<String>) values.get("learningRates")).stream().map(x -> Double.parseDouble(x.trim())).toList();
    }

    /** Every value, for result files. */
    public Map<String, Object> asMap() {
        return new LinkedHashMap<>(values);
    }

    /** The key table as text: one line per key with kind, default and meaning ({@code adept run --list-keys}). */
    public static String describeKeys() {
        StringBuilder b = new StringBuilder();
        for (Key k : KEYS) {
            b.append(String.format("  %-24s %-7s default %-22s %s%n", k.name(), k.kind(),
                    k.defaultValue() instanceof String s && s.isEmpty() ? "''" : k.defaultValue(), k.doc()));
        }
        return b.toString();
    }
}
