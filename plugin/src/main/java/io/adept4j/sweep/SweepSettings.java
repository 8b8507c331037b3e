package io.adept4j.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.adept4j.run.RunConfig;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Settings of {@code adept sweep}, read from YAML or JSON and checked before any work:
 * <pre>
 * run: {preset: small, steps: 30}      # adept run keys shared by every candidate
 * method: adept                         # the method each candidate trains (any registered one, e.g. lora)
 * search: grid                          # grid or random
 * candidates: 8                         # candidate budget (a grid stops when exhausted)
 * maxMinutes: 0                         # time budget (no candidate starts after it), 0 = none
 * parallelism: 1                        # candidates run at once (at least the Spark cluster's task slots)
 * spark: {master: "local[2]"}           # optional: candidates as Spark tasks (or local-cluster[W,C,MB], spark://HOST:7077, yarn)
 *                                       # and conf: {spark.executor.instances: 4, spark.yarn.queue: research, ...}
 * gridPoints: 3                         # values per continuous knob in a grid
 * objective: weighted                   # domain, general or weighted
 * generalWeight: 0.5
 * space:
 *   k: {int: [1, 2]}
 *   lrRatio: {values: [2, 8]}
 *   learningRate: {logUniform: [1.0e-4, 1.0e-2]}
 *   granularity: {values: [tensor, neuron]}
 * </pre>
 */
public record SweepSettings(RunConfig base, String method, AdeptSpace space, String search, int candidates,
                            double maxMinutes, int parallelism, int gridPoints, SweepObjective objective, long seed,
                            String sparkMaster, Map<String, String> sparkConf) {

    /** The method a sweep tunes unless it names another. */
    public static final String DEFAULT_METHOD = "adept";

    /** Spark master URLs: checked here, before corpora are read or Spark starts (which would fail with its own error). */
    private static final java.util.regex.Pattern SPARK_MASTER =
            java.util.regex.Pattern.compile("local(\\[(\\d+|\\*)(,\\d+)?])?|local-cluster\\[\\d+,\\d+,\\d+]|spark://\\S+|yarn");

    private static final Set<String> TOP = Set.of("run", "method", "search", "candidates", "maxMinutes", "parallelism",
            "gridPoints", "objective", "generalWeight", "space", "spark");

    public SweepSettings {
        List<String> p = new ArrayList<>();
        if (!io.adept4j.run.Methods.names().contains(method)) {
            p.add("'method' must be one of " + io.adept4j.run.Methods.names() + ", got " + method);
        }
        if (!search.equals("grid") && !search.equals("random")) {
            p.add("'search' must be grid or random, got " + search);
        }
        if (candidates < 1) {
            p.add("'candidates' must be at least 1, got " + candidates);
        }
        if (!(maxMinutes >= 0)) {
            p.add("'maxMinutes' must be >= 0, got " + maxMinutes);
        }
        if (parallelism < 1) {
            p.add("'parallelism' must be at least 1, got " + parallelism);
        }
        if (gridPoints < 2) {
            p.add("'gridPoints' must be at least 2, got " + gridPoints);
        }
        if (sparkMaster == null) {
            sparkMaster = "";
        }
        if (!sparkMaster.isEmpty() && !isSparkMaster(sparkMaster)) {
            p.add("'spark.master' (or --spark) " + sparkMasterProblem(sparkMaster));
        }
        sparkConf = sparkConf == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(sparkConf));
        sparkConf.forEach((key, value) -> {
            String problem = sparkSettingProblem(key, value);
            if (problem != null) {
                p.add("'spark.conf' (or --spark-conf) " + problem);
            }
        });
        if (!sparkConf.isEmpty() && sparkMaster.isEmpty()) {
            p.add("'spark.conf' (or --spark-conf) needs a master: 'spark.master' or --spark");
        }
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid sweep config: " + String.join("; ", p));
        }
    }

    /** Whether {@code master} is a Spark master URL adept4j accepts: local, local[N], local[*], local[N,F],
     * local-cluster[W,C,MB] (W standalone workers of C cores and MB of memory in this JVM, executors in their own JVMs),
     * spark://HOST:PORT (a standalone cluster) or yarn (executors in YARN containers, this process the driver). */
    public static boolean isSparkMaster(String master) {
        return master != null && SPARK_MASTER.matcher(master).matches();
    }

    /**
     * What is wrong with a master {@link #isSparkMaster} refuses, as the end of a sentence that starts with the option's
     * name. Kubernetes masters get their own reason: Spark's {@code spark-kubernetes} is not in this build, so Spark
     * itself would stop with "Could not parse Master URL".
     */
    public static String sparkMasterProblem(String master) {
        if (master.startsWith("k8s://")) {
            return "'" + master + "' needs Spark's Kubernetes support, which this build does not include: run on YARN "
                    + "(yarn), a standalone cluster (spark://HOST:7077; scripts/spark-standalone.sh starts one) or local[N]";
        }
        return "must be local, local[N], local[*], local-cluster[W,C,MB], spark://HOST:PORT or yarn, got '" + master + "'";
    }

    /**
     * What is wrong with a Spark setting of the user's, as the end of a sentence that starts with where it came from;
     * null when nothing is. Only {@code spark.…} keys; not the master (it has its own key); and no cluster deploy mode,
     * since the adept process itself is the driver (Spark would stop with "Deployment to YARN is not supported directly
     * by SparkContext").
     */
    public static String sparkSettingProblem(String key, String value) {
        if (!key.startsWith("spark.") || key.equals("spark.master")) {
            return "takes Spark settings named spark.… other than the master (that is spark.master or --spark), got '"
                    + key + "'";
        }
        if (key.equals("spark.submit.deployMode") && !"client".equals(value)) {
            return "cannot set spark.submit.deployMode to '" + value + "': the adept process is the driver (client mode)";
        }
        return null;
    }

    /** Reads a sweep file; {@code runOverrides} (CLI flags) replace values of its {@code run} section. */
    public static SweepSettings load(Path file, Map<String, Object> runOverrides) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("sweep config " + file + " does not exist");
        }
        String n = file.getFileName().toString().toLowerCase();
        ObjectMapper m = n.endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
        JsonNode root;
        try {
            root = m.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("sweep config " + file + " is not valid: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("sweep config " + file + " must hold a map with at least a 'space' section");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!TOP.contains(k)) {
                throw new IllegalArgumentException("unknown sweep key '" + k + "'; known: " + String.join(", ", new java.util.TreeSet<>(TOP)));
            }
        }
        RunConfig base = RunConfig.fromTree(root.get("run"), "sweep config " + file + ", section 'run'").with(runOverrides);
        if (!root.has("space") || !root.get("space").isObject() || root.get("space").isEmpty()) {
            throw new IllegalArgumentException("sweep config " + file + " needs a 'space' section naming at least one knob");
        }
        AdeptSpace.Builder b = AdeptSpace.builder();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("space").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            b.knob(e.getKey(), knob(e.getKey(), e.getValue()));
        }
        JsonNode space = root.get("space");
        if (space.has(SweepPoint.LR_RATIO)) {
            for (String set : List.of("policy", "splitHi", "splitLo", "splitQuantile")) {
                if (space.has(set)) {
                    throw new IllegalArgumentException("space: '" + SweepPoint.LR_RATIO + "' sets the split policy (policy, "
                            + "splitHi, splitLo, splitQuantile); sweep either it or '" + set + "', not both");
                }
            }
            requireRatios(space.get(SweepPoint.LR_RATIO));
        }
        return new SweepSettings(base, text(root, "method", DEFAULT_METHOD), b.build(), text(root, "search", "grid"),
                (int) number(root, "candidates", 8),
                number(root, "maxMinutes", 0), (int) number(root, "parallelism", 1), (int) number(root, "gridPoints", 3),
                new SweepObjective(text(root, "objective", "weighted"), number(root, "generalWeight", 0.5)),
                base.integer("seed"), sparkMaster(root), sparkConf(root));
    }

    /** The {@code spark: {master: ...}} section's master, "" when there is none. */
    private static String sparkMaster(JsonNode root) {
        JsonNode spark = root.get("spark");
        if (spark == null) {
            return "";
        }
        JsonNode master = spark.get("master");
        java.util.Set<String> keys = new java.util.HashSet<>();
        spark.fieldNames().forEachRemaining(keys::add);
        keys.removeAll(Set.of("master", "conf"));
        if (!spark.isObject() || master == null || !master.isTextual() || master.asText().isBlank() || !keys.isEmpty()) {
            throw new IllegalArgumentException("sweep key 'spark' must be {master: local[2] | local-cluster[W,C,MB] | "
                    + "spark://HOST:7077 | yarn, conf: {spark.KEY: VALUE, ...} (optional)}, got " + spark);
        }
        return master.asText();
    }

    /** The {@code spark: {conf: {...}}} section's Spark settings (values as text), empty when there is none. */
    private static Map<String, String> sparkConf(JsonNode root) {
        JsonNode conf = root.path("spark").get("conf");
        if (conf == null) {
            return Map.of();
        }
        if (!conf.isObject()) {
            throw new IllegalArgumentException("sweep key 'spark.conf' must be a map of Spark settings, e.g. "
                    + "{spark.executor.instances: 4}, got " + conf);
        }
        Map<String, String> m = new LinkedHashMap<>();
        conf.fields().forEachRemaining(e -> {
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new IllegalArgumentException("sweep key 'spark.conf." + e.getKey() + "' must be a single value, got "
                        + e.getValue());
            }
            m.put(e.getKey(), e.getValue().asText());
        });
        return m;
    }

    /** The same settings with candidates run on this Spark master ("" for this JVM). */
    public SweepSettings onSpark(String master) {
        return new SweepSettings(base, method, space, search, candidates, maxMinutes, parallelism, gridPoints, objective,
                seed, master, sparkConf);
    }

    /** The same settings with these Spark settings added to (or replacing those of) the file's {@code spark.conf}. */
    public SweepSettings withSparkConf(Map<String, String> overrides) {
        Map<String, String> conf = new LinkedHashMap<>(sparkConf);
        conf.putAll(overrides);
        return new SweepSettings(base, method, space, search, candidates, maxMinutes, parallelism, gridPoints, objective,
                seed, sparkMaster, conf);
    }

    /** The same settings with another base run config (every candidate's, before its knobs are applied). */
    public SweepSettings withBase(RunConfig newBase) {
        return new SweepSettings(newBase, method, space, search, candidates, maxMinutes, parallelism, gridPoints, objective,
                seed, sparkMaster, sparkConf);
    }

    private static org.deeplearning4j.arbiter.optimize.api.ParameterSpace<?> knob(String name, JsonNode spec) {
        if (!name.equals(SweepPoint.LR_RATIO)) {
            if (RunConfig.KEYS.stream().noneMatch(k -> k.name().equals(name))) {
                throw new IllegalArgumentException("space: unknown knob '" + name + "'; knobs are adept run keys or "
                        + SweepPoint.LR_RATIO);
            }
        }
        if (spec == null || !spec.isObject() || spec.size() != 1) {
            throw new IllegalArgumentException("space: knob '" + name + "' needs exactly one of {int: [min, max]}, "
                    + "{uniform: [min, max]}, {logUniform: [min, max]}, {values: [...]}");
        }
        String kind = spec.fieldNames().next();
        JsonNode v = spec.get(kind);
        if (!v.isArray() || v.isEmpty()) {
            throw new IllegalArgumentException("space: knob '" + name + "': '" + kind + "' needs a list");
        }
        switch (kind) {
            case "int" -> {
                requirePair(name, kind, v);
                return new IntegerParameterSpace(v.get(0).asInt(), v.get(1).asInt());
            }
            case "uniform" -> {
                requirePair(name, kind, v);
                return new ContinuousParameterSpace(v.get(0).asDouble(), v.get(1).asDouble());
            }
            case "logUniform" -> {
                requirePair(name, kind, v);
                return new LogUniformSpace(v.get(0).asDouble(), v.get(1).asDouble());
            }
            case "values" -> {
                List<Object> values = new ArrayList<>();
                for (JsonNode x : v) {
                    values.add(x.isIntegralNumber() && !name.equals(SweepPoint.LR_RATIO) ? (Object) x.asLong()
                            : x.isNumber() ? (Object) x.asDouble() : x.asText());
                }
                return new DiscreteParameterSpace<>(values);
            }
            default -> throw new IllegalArgumentException("space: knob '" + name + "': unknown kind '" + kind
                    + "'; use int, uniform, logUniform or values");
        }
    }

    /** Every bound or value of an lrRatio knob must be a ratio SplitPolicy accepts (>= 1), checked before any run. */
    private static void requireRatios(JsonNode spec) {
        for (JsonNode x : spec.elements().next()) {
            if (x.isNumber()) {
                io.adept4j.stage2.SplitPolicy.ofRatio(0.5, x.asDouble());
            }
        }
    }

    private static void requirePair(String name, String kind, JsonNode v) {
        if (v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber() || v.get(0).asDouble() > v.get(1).asDouble()) {
            throw new IllegalArgumentException("space: knob '" + name + "': '" + kind + "' needs [min, max] with min <= max");
        }
    }

    private static String text(JsonNode root, String key, String dflt) {
        JsonNode v = root.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("sweep key '" + key + "' must be a string, got " + v);
        }
        return v.asText();
    }

    private static double number(JsonNode root, String key, double dflt) {
        JsonNode v = root.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("sweep key '" + key + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    /** For result files. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("search", search);
        m.put("candidates", candidates);
        m.put("maxMinutes", maxMinutes);
        m.put("parallelism", parallelism);
        if (!sparkMaster.isEmpty()) {
            m.put("spark", Map.of("master", sparkMaster, "conf", sparkConf));
        }
        m.put("gridPoints", gridPoints);
        m.put("objective", objective.describe());
        m.put("space", space.knobs().keySet());
        m.put("run", base.asMap());
        return m;
    }
}
