package io.adept4j.cli;

import io.adept4j.run.RunConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The corpus and model flags {@code adept run} and {@code adept sweep} share: they override config keys, and the
 * corpus values resolve to files ({@code bundled}, {@code math}, {@code code} name the bundled corpora).
 */
final class RunInputs {

    private RunInputs() {
    }

    /** Config overrides for the flags given (null = not given). */
    static Map<String, Object> overrides(String general, String domain, String preset, Long seed, List<String> methods,
                                         Integer steps) {
        Map<String, Object> o = new LinkedHashMap<>();
        if (general != null) {
            o.put("general", general);
        }
        if (domain != null) {
            o.put("domain", domain);
        }
        if (preset != null) {
            o.put("preset", preset);
        }
        if (seed != null) {
            o.put("seed", seed);
            o.put("seeds", List.of()); // --seed S runs that one seed, whatever replicates the config lists
        }
        if (methods != null) {
            o.put("methods", methods);
        }
        if (steps != null) {
            o.put("steps", steps.longValue());
        }
        return o;
    }

    /** The config with its shipped-base folder resolved against the project folder, as the bundled corpora are. */
    static RunConfig shippedBaseResolved(RunConfig cfg) {
        Path p = Path.of(cfg.str("shippedBase"));
        return p.isAbsolute() ? cfg : cfg.with(Map.of("shippedBase",
                Path.of(System.getProperty("adept4j.home", ".")).resolve(p).toString()));
    }

    /**
     * The config with every folder or file it names made absolute: the shipped base against the project folder
     * ({@link #shippedBaseResolved}), {@code baseModel}, {@code baseCache} and task files against the working folder.
     * Why: a sweep's candidates may run in Spark executors whose working folder is a worker's scratch folder.
     */
    static RunConfig pathsAbsolute(RunConfig cfg) {
        Map<String, Object> o = new LinkedHashMap<>();
        for (String key : List.of("baseModel", "baseCache", "generalTasks", "domainTasks")) {
            String v = cfg.str(key);
            if (!v.isEmpty() && !v.equals("bundled") && !Path.of(v).isAbsolute()) {
                o.put(key, Path.of(v).toAbsolutePath().normalize().toString());
            }
        }
        return shippedBaseResolved(cfg.with(o));
    }

    /** The general corpus a config names. */
    static Path general(RunConfig cfg) {
        String g = cfg.str("general");
        if (g.equals("bundled")) {
            return BundledCorpora.general();
        }
        if (!Files.exists(Path.of(g))) {
            throw new IllegalArgumentException("general corpus not found: " + g + "; give an existing file or folder "
                    + "(text, JSONL, JSON, .gz), or 'bundled'");
        }
        return Path.of(g);
    }

    /** The domain corpus a config names: a path, or the name of a bundled one. */
    static Path domain(RunConfig cfg) {
        String d = cfg.str("domain");
        if (Files.exists(Path.of(d))) {
            return Path.of(d);
        }
        if (!BundledCorpora.DOMAINS.contains(d)) {
            throw new IllegalArgumentException("domain corpus '" + d + "' is neither an existing file or folder nor a "
                    + "bundled domain (" + String.join(", ", BundledCorpora.DOMAINS) + ")");
        }
        return BundledCorpora.domain(d);
    }

    /**
     * The config with its task files resolved ({@code bundled}: the bundled task file of the general corpus or of the
     * bundled domain) and each one read and checked, before anything is written.
     */
    static RunConfig tasksResolved(RunConfig cfg) {
        Map<String, Object> resolved = new LinkedHashMap<>();
        for (String key : List.of("generalTasks", "domainTasks")) {
            String v = cfg.str(key);
            if (v.isEmpty()) {
                continue;
            }
            Path file;
            if (v.equals("bundled")) {
                String corpus = key.equals("generalTasks") ? "general" : cfg.str("domain");
                if (key.equals("domainTasks") && !BundledCorpora.DOMAINS.contains(corpus)) {
                    throw new IllegalArgumentException("'domainTasks: bundled' needs a bundled domain ("
                            + String.join(", ", BundledCorpora.DOMAINS) + "), got domain " + corpus
                            + "; give the path of a task file made for your domain");
                }
                file = BundledCorpora.tasks(corpus);
            } else {
                file = Path.of(v);
            }
            io.adept4j.eval.MultipleChoice.read(file); // a missing or malformed file is refused here, by name
            resolved.put(key, file.toString());
        }
        return resolved.isEmpty() ? cfg : cfg.with(resolved);
    }
}
