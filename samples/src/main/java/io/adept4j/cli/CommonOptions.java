package io.adept4j.cli;

import io.adept4j.model.CausalLm;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/** Options every subcommand takes. */
final class CommonOptions {

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for results; result.json is written first among them.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The {@code --threads} value; applied to every model of this run when the option is parsed. */
    int threads = CausalLm.DEFAULT_THREADS;

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "" + CausalLm.DEFAULT_THREADS,
            description = "Threads: each batch is split into N row shards computed in parallel, BLAS single-threaded "
                    + "(default: " + CausalLm.DEFAULT_THREADS + ", the fastest measured on 2-core machines; results "
                    + "depend on N, not on the machine).")
    void threads(int n) {
        if (n < 1) {
            throw new OptionValueException(spec.commandLine(), "--threads must be at least 1, got " + n);
        }
        threads = n;
        CausalLm.defaultThreads(n);
    }

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
        return Inputs.output(requireOut(), overwrite, resume);
    }

}
