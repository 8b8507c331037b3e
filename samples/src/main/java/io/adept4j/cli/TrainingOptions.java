package io.adept4j.cli;

import picocli.CommandLine.Option;

/** Options every training subcommand takes. */
final class TrainingOptions {

    @Option(names = "--preset", defaultValue = "small", paramLabel = "tiny|small|default",
            description = "Model and budget size; tiny finishes in well under a minute (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--steps", paramLabel = "N", description = "Training steps (default: the preset's).")
    Integer steps;

    @Option(names = "--tokenizer", defaultValue = io.adept4j.run.ShippedBase.TOKENIZER, paramLabel = "KIND[:VOCAB]",
            description = "Tokenizer: bpe:VOCAB or byte (default: ${DEFAULT-VALUE}).")
    String tokenizer;
}
