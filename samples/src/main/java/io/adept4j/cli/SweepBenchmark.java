package io.adept4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep run one candidate at a time against the same sweep on a Spark master, each a fresh {@code adept sweep}
 * process (so neither inherits the other's JIT-compiled code or cached base measurements), alternately, the wall time of
 * each process measured here; the candidates' losses must agree to the last bit.
 */
final class SweepBenchmark {

    /**
     * The default sweep: 8 values of the LR ratio for ADEPT on the shipped base and the bundled corpora, 40 steps each
     * (long enough that a candidate is mostly training, as in real sweeps), small evaluations.
     */
    static final String DEFAULT_SWEEP = """
            run: {domain: math, seeds: [42], steps: 40, probeBatches: 4, evalBatches: 1, evalEvery: 40,
                  finalEvalBatches: 2, tokenEvalBatches: 1}
            search: grid
            candidates: 8
            objective: weighted
            space: {lrRatio: {values: [1, 2, 3, 4, 5, 6, 7, 8]}}
            """;

    private SweepBenchmark() {
    }

    /**
     * Runs {@code repeats} pairs (one at a time, then on {@code master}) of the sweep in {@code config} ({@code null}:
     * {@link #DEFAULT_SWEEP}, written to {@code dir}) with {@code threads} threads per candidate, each process's outputs
     * in a folder of its own under {@code dir}, named for this call.
     */
    static Map<String, Object> run(Path adept, Path config, String master, int threads, int repeats, Path dir,
                                   PrintWriter log) throws IOException, InterruptedException {
        List<Map<String, Object>> pairs = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        boolean identical = true;
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        if (config == null) {
            Files.createDirectories(dir);
            config = Files.writeString(dir.resolve(stamp + "-sweep.yaml"), DEFAULT_SWEEP);
        }
        for (int r = 1; r <= repeats; r++) {
            Path alone = dir.resolve(stamp + "-r" + r + "-one-at-a-time");
            Path spark = dir.resolve(stamp + "-r" + r + "-spark");
            double aloneSeconds = sweep(adept, config, threads, null, alone, log);
            double sparkSeconds = sweep(adept, config, threads, master, spark, log);
            boolean same = sameLosses(alone, spark);
            identical &= same;
            ratios.add(sparkSeconds / aloneSeconds);
            Map<String, Object> pair = new LinkedHashMap<>();
            pair.put("oneAtATimeSeconds", aloneSeconds);
            pair.put("sparkSeconds", sparkSeconds);
            pair.put("sparkOverOneAtATime", sparkSeconds / aloneSeconds);
            pair.put("identicalLosses", same);
            pairs.add(pair);
            log.printf("[bench sweep] pair %d: one at a time %.1f s, %s %.1f s (%.2f x); losses %s%n", r, aloneSeconds,
                    master, sparkSeconds, sparkSeconds / aloneSeconds, same ? "identical" : "DIFFER");
        }
        List<Double> sorted = new ArrayList<>(ratios);
        sorted.sort(null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config", config.toString());
        m.put("master", master);
        m.put("threadsPerCandidate", threads);
        m.put("pairs", pairs);
        m.put("medianSparkOverOneAtATime", sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2);
        m.put("identicalLosses", identical);
        return m;
    }

    /** One {@code adept sweep} process; its wall time in seconds. */
    private static double sweep(Path adept, Path config, int threads, String master, Path out, PrintWriter log)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(adept.toString(), "sweep", "--config", config.toString(), "--threads",
                "" + threads, "--out", out.toString()));
        if (master != null) {
            cmd.addAll(List.of("--spark", master));
        }
        Files.createDirectories(out);
        Path logFile = out.resolve("sweep.log");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        int rc = p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (rc != 0) {
            throw new IllegalStateException("adept sweep" + (master == null ? "" : " --spark " + master) + " exited with "
                    + rc + "; its log: " + logFile);
        }
        log.printf("[bench sweep] %s: %.1f s%n", out.getFileName(), seconds);
        return seconds;
    }

    /** Whether both sweeps hold the same candidates with the same losses, bit for bit. */
    private static boolean sameLosses(Path a, Path b) throws IOException {
        Map<String, List<Double>> x = losses(a);
        return !x.isEmpty() && x.equals(losses(b));
    }

    private static Map<String, List<Double>> losses(Path sweepDir) throws IOException {
        JsonNode root = new ObjectMapper().readTree(sweepDir.resolve("sweep.json").toFile());
        Map<String, List<Double>> m = new LinkedHashMap<>();
        for (JsonNode c : root.get("candidates")) {
            m.put(c.get("key").asText(), List.of(c.get("generalLossBefore").asDouble(), c.get("generalLossAfter")
                    .asDouble(), c.get("domainLossBefore").asDouble(), c.get("domainLossAfter").asDouble()));
        }
        return m;
    }
}
