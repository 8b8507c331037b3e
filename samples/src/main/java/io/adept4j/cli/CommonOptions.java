package io.adept4j.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every subcommand takes. */
final class CommonOptions {

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for results; result.json is written first among them.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threads;

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
    Path prepareOut() {
        return Inputs.output(requireOut(), overwrite);
    }

    /** {@link #prepareOut()} for a command with {@code --resume} ({@link Inputs#resumableOutput}). */
    Path prepareOut(boolean resume) {
        return Inputs.resumableOutput(requireOut(), overwrite, resume);
    }
}
