package io.adept4j.cli;

import io.adept4j.model.CausalLm;
import io.adept4j.model.ModelStore;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code --seq-len T} for commands that load a model: the window length the model's attention tables are built for.
 * Models trained here use their full length; imported models often declare tens of thousands of positions, which
 * nobody trains on in one window on a CPU.
 */
final class SeqLenOption {

    @Option(names = "--seq-len", paramLabel = "T",
            description = "Window length (default: the model's maximum; set it for imported long-context models).")
    Integer seqLen;

    /** Loads {@code dir} for the chosen window length. */
    CausalLm load(Path dir) throws IOException {
        return seqLen == null ? ModelStore.load(dir) : ModelStore.load(dir, seqLen);
    }
}
