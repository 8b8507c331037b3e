package io.adept4j.cli;

import io.adept4j.model.CausalLm;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --threads N}, which every command that computes with a model takes; applied when the option is parsed. */
final class ThreadsOption {

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
        CausalLm.defaultThreads(n);
    }
}
