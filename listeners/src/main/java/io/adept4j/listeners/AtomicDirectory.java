package io.adept4j.listeners;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes a folder (a checkpoint, a saved model) so that readers see either the complete old one or the complete new
 * one, never a half-written mix: everything is written to a sibling temporary folder which then replaces the target by
 * renames. A crash mid-write leaves the previous folder intact (or, at worst, under {@code NAME.old}, where
 * {@link #recover(Path)} finds it).
 */
public final class AtomicDirectory {

    /** What to write into the fresh folder. */
    @FunctionalInterface
    public interface Writer {
        void write(Path dir) throws IOException;
    }

    private AtomicDirectory() {
    }

    /** Writes {@code target} atomically with {@code writer}. */
    public static void write(Path target, Writer writer) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, target.getFileName() + ".tmp-");
        try {
            writer.write(tmp);
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

    /** If a crash left only {@code NAME.old}, moves it back; returns whether {@code target} now exists. */
    public static boolean recover(Path target) throws IOException {
        Path old = target.toAbsolutePath().getParent().resolve(target.getFileName() + ".old");
        if (!Files.exists(target) && Files.exists(old)) {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
        }
        return Files.exists(target);
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
