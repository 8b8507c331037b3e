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
        }
        if (methods != null) {
            o.put("methods", methods);
        }
        if (steps != null) {
            o.put("steps", steps.longValue());
        }
        return o;
    }

    /** The general corpus a config names. */
    static Path general(RunConfig cfg) {
        return cfg.str("general").equals("bundled") ? BundledCorpora.general() : Path.of(cfg.str("general"));
    }

    /** The domain corpus a config names: a path, or the name of a bundled one. */
    static Path domain(RunConfig cfg) {
        String d = cfg.str("domain");
        return Files.exists(Path.of(d)) || !d.matches("[a-z0-9_-]+") ? Path.of(d) : BundledCorpora.domain(d);
    }
}
