package io.adept4j.datavec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Locates the corpora shipped in the repository's {@code corpora/} folder. */
public final class BundledCorpora {
    private BundledCorpora() {
    }

    public static Path dir() {
        String prop = System.getProperty("adept4j.corpora");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "corpora");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("bundled corpora not found at " + p.toAbsolutePath());
        }
        return p;
    }

    public static Path general() {
        return dir().resolve("general.jsonl.gz");
    }

    public static Path math() {
        return dir().resolve("math.jsonl.gz");
    }

    public static Path code() {
        return dir().resolve("code.jsonl.gz");
    }

    public static List<Path> all() {
        return List.of(general(), math(), code());
    }
}
