package io.adept4j.listeners;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes a folder (a checkpoint, a saved model) so that readers see either the complete old one or the complete new
 * one, never a half-written mix: everything is written to a sibling temporary folder which then replaces the target by
 * renames. A crash mid-write leaves the previous folder intact (or, at worst, under {@code NAME.old}, where
 * {@link #recover(Path)} finds it).
 *
 * <p>It never deletes what it did not write: every folder it writes lists its own files in {@value #MARKER}, and an
 * existing target is replaced only when it holds nothing else (a user's file inside is refused with a message naming
 * it). Temporary folders left by a killed process carry the marker from their first moment, so the next write to the
 * same target removes them.
 */
public final class AtomicDirectory {

    /** The file listing what this class wrote into a folder (one relative path per line). */
    public static final String MARKER = ".adept4j-files";

    /** What to write into the fresh folder. */
    @FunctionalInterface
    public interface Writer {
        void write(Path dir) throws IOException;
    }

    private AtomicDirectory() {
    }

    /**
     * Writes {@code target} atomically with {@code writer}.
     *
     * @throws IOException if {@code target} is a file, or a folder holding files this class did not write
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        requireReplaceable(target);
        cleanStale(target);
        Path tmp = Files.createTempDirectory(parent, target.getFileName() + ".tmp-");
        try {
            Files.writeString(tmp.resolve(MARKER), "", StandardCharsets.UTF_8); // marks the temporary as ours at once
            writer.write(tmp);
            Files.writeString(tmp.resolve(MARKER), String.join("\n", listFiles(tmp)) + "\n", StandardCharsets.UTF_8);
            Path old = parent.resolve(target.getFileName() + ".old");
            deleteRecursively(old);
            if (Files.exists(target)) {
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        } finally {
            deleteRecursively(tmp);
        }
    }

    /**
     * Checks that {@code target} may be replaced: it is absent, an empty folder, or a folder holding only what a
     * previous {@link #write} put there.
     *
     * @throws IOException naming the first file that is not ours
     */
    public static void requireReplaceable(Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new java.nio.file.FileAlreadyExistsException(target.toString(), null,
                    "a file, not a folder adept4j wrote; move it away or choose another path");
        }
        List<String> present = listFiles(target);
        if (present.isEmpty()) {
            return;
        }
        Path marker = target.resolve(MARKER);
        Set<String> ours = new HashSet<>();
        if (Files.isRegularFile(marker)) {
            for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    ours.add(line.strip());
                }
            }
        }
        for (String f : present) {
            if (!ours.contains(f)) {
                throw new java.nio.file.FileAlreadyExistsException(target.resolve(f).toString(), null,
                        "adept4j did not write this file, so it will not replace " + target
                                + "; move the file away or choose another output folder");
            }
        }
    }

    /** Removes temporary folders {@code NAME.tmp-*} next to {@code target} that an interrupted write left behind. */
    public static void cleanStale(Path target) throws IOException {
        deleteMarkedTemporaries(target.toAbsolutePath().getParent(), target.getFileName() + ".tmp-*");
    }

    /**
     * Removes every folder directly in {@code dir} that an interrupted {@link #write} left ({@code *.tmp-*} with the
     * marker inside).
     */
    public static void cleanStaleIn(Path dir) throws IOException {
        deleteMarkedTemporaries(dir, "*.tmp-*");
    }

    /** Deletes the folders in {@code dir} matching {@code glob} that carry the marker (never anything else). */
    private static void deleteMarkedTemporaries(Path dir, String glob) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) {
                if (Files.isDirectory(p) && Files.isRegularFile(p.resolve(MARKER))) {
                    deleteRecursively(p);
                }
            }
        }
    }

    /** If a crash left only {@code NAME.old}, moves it back; returns whether {@code target} now exists. */
    public static boolean recover(Path target) throws IOException {
        Path old = target.toAbsolutePath().getParent().resolve(target.getFileName() + ".old");
        if (!Files.exists(target) && Files.exists(old)) {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
        }
        return Files.exists(target);
    }

    /** Relative paths of every regular file below {@code dir}, the marker excluded, sorted. */
    private static List<String> listFiles(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(p -> {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (!rel.equals(MARKER)) {
                    out.add(rel);
                }
            });
        }
        out.sort(null);
        return out;
    }

    /** Deletes a file or folder tree if it exists. */
    public static void deleteRecursively(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
