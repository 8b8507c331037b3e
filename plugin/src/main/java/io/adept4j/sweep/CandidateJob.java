package io.adept4j.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.listeners.AtomicDirectory;
import io.adept4j.run.AdeptRun;
import io.adept4j.run.ReplicateMemo;
import io.adept4j.run.RunConfig;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sweep candidate as a self-contained, serialisable job: the sweep's base settings, its method, the candidate's
 * point and the sweep's output folder (a path every worker can reach). {@link #run} reuses the candidate's
 * {@code result.json} when a previous run finished it, else runs it and writes it atomically; the same code runs in this
 * JVM or as a Spark task.
 *
 * @param base   the sweep's base run settings ({@link RunConfig#asMap()})
 * @param method the method every candidate trains
 * @param point  the candidate's knob values
 * @param index  the candidate's index in generation order
 * @param out    the sweep's output folder
 */
public record CandidateJob(Map<String, Object> base, String method, SweepPoint point, int index, String out)
        implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /**
     * One per JVM: the candidates run here (runner threads, or a Spark executor's tasks) probe and validate the base
     * once per seed between them instead of once each.
     */
    private static final ReplicateMemo MEASURED = new ReplicateMemo();

    public CandidateJob {
        base = new LinkedHashMap<>(base);
    }

    /** The folder this candidate's {@code result.json} lands in. */
    public Path dir() {
        return Path.of(out).resolve("candidates").resolve(String.format("%08x", point.key().hashCode()));
    }

    /** Runs (or reuses) the candidate on these corpora. Bad settings become an outcome with the error, not a throw. */
    public CandidateOutcome run(List<Document> general, List<Document> domain) {
        Path dir = dir();
        Path file = dir.resolve("result.json");
        try {
            if (AtomicDirectory.recover(dir) && Files.isRegularFile(file)) {
                JsonNode r = JSON.readTree(file.toFile());
                if (point.key().equals(r.path("key").asText())
                        && method.equals(r.path("method").path("method").asText())) { // not another method's
                    return outcome(r.get("method"), r.path("seconds").asDouble(), file, true);
                }
            }
            long t0 = System.nanoTime();
            RunConfig cfg = RunConfig.defaults().with(base).with(point.overrides())
                    .with(Map.of("methods", List.of(method)));
            AdeptRun.Result run = new AdeptRun(cfg).withMemo(MEASURED).run(general, domain);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> saved = new LinkedHashMap<>();
            saved.put("key", point.key());
            saved.put("params", point.values());
            saved.put("seconds", seconds);
            saved.put("method", run.methods().get(0));
            saved.put("run", run);
            AtomicDirectory.write(dir, tmp -> JSON.writeValue(tmp.resolve("result.json").toFile(), saved));
            return outcome(JSON.valueToTree(run.methods().get(0)), seconds, file, false);
        } catch (IOException e) {
            throw new UncheckedIOException("candidate " + point.key() + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            return failed(e.getMessage());
        }
    }

    /** This candidate, failed with {@code error} (recorded in the sweep, which goes on). */
    public CandidateOutcome failed(String error) {
        return new CandidateOutcome(index, point.key(), point.values(), Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, 0, dir().resolve("result.json").toString(), false, error);
    }

    private CandidateOutcome outcome(JsonNode m, double seconds, Path file, boolean reused) {
        return new CandidateOutcome(index, point.key(), point.values(), m.get("generalLossBefore").asDouble(),
                m.get("generalLossAfter").asDouble(), m.get("domainLossBefore").asDouble(),
                m.get("domainLossAfter").asDouble(), m.get("generalPerplexityChange").asDouble(),
                m.get("domainPerplexityChange").asDouble(), seconds, file.toString(), reused, null);
    }
}
