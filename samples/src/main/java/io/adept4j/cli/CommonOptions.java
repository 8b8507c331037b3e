package io.adept4j.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every subcommand takes. */
final class CommonOptions {

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for results; result.json is written first among them.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "BLAS/OpenMP threads; set by the ./adept launcher as OMP_NUM_THREADS before the JVM starts "
                    + "(default: ${DEFAULT-VALUE}, measured fastest on 2-vCPU machines).")
    int threads;

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    @Option(names = "--overwrite", description = "Replace the results adept4j wrote in an existing --out folder "
            + "(files it did not write are never touched; without this flag a non-empty --out is refused).")
    boolean overwrite;

    /** The output folder, required by commands that write results. */
    Path requireOut() {
        if (out == null) {
            throw new IllegalArgumentException("--out DIR is required: results, model and checkpoints are written there");
        }
        return out;
    }

    /** The output folder, checked before any work: usable, and nothing there is lost ({@link Inputs#output}). */
    Path prepareOut(boolean resume) {
        requireThreads();
        return Inputs.output(requireOut(), overwrite, resume);
    }

    /** {@code --threads} must be at least 1 (the launcher refuses it too, before the native library reads it). */
    void requireThreads() {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
    }
}
