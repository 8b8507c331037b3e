package io.adept4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The corpora shipped in the repository's {@code corpora/} folder. The launcher passes the repository root as
 * {@code -Dadept4j.home}; without it the current directory is used.
 */
final class BundledCorpora {

    private BundledCorpora() {
    }

    static Path dir() {
        String explicit = System.getProperty("adept4j.corpora");
        if (explicit != null) {
            return Path.of(explicit);
        }
        return Path.of(System.getProperty("adept4j.home", ".")).resolve("corpora");
    }

    /** The bundled domain corpora by name. */
    static final List<String> DOMAINS = List.of("math", "code");

    /** The bundled multiple-choice task file made from a bundled corpus ({@code general}, {@code math}, {@code code}). */
    static Path tasks(String corpus) {
        return existing(dir().resolve("tasks").resolve(corpus + ".jsonl"));
    }

    static Path general() {
        return existing(dir().resolve("general.jsonl.gz"));
    }

    static Path domain(String name) {
        if (!name.matches("[a-z0-9_-]+")) {
            throw new IllegalArgumentException("domain name must be a bundled corpus name such as math or code, got '" + name + "'");
        }
        return existing(dir().resolve(name + ".jsonl.gz"));
    }

    static List<Path> all() {
        return List.of(general(), domain("math"), domain("code"));
    }

    private static Path existing(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("bundled file not found: " + p.toAbsolutePath()
                    + " (run from the repository root, or set -Dadept4j.corpora=DIR)");
        }
        return p;
    }
}
