package io.adept4j.datavec.corpus;

import java.util.List;

/**
 * How files are turned into documents.
 *
 * @param includeGlobs       globs matched against paths inside a folder (relative path or file name); empty = all
 *                           regular, non-hidden files
 * @param instructionPrompt  template for instruction/output records; {@code %s} is replaced by the instruction. The
 *                           rendered prompt is fed to the model but masked out of the loss
 */
public record CorpusOptions(List<String> includeGlobs, String instructionPrompt) {

    /** The reference implementation's chat rendering: {@code User: {instruction}\nAssistant: {output}}. */
    public static final String DEFAULT_INSTRUCTION_PROMPT = "User: %s\nAssistant: ";

    public CorpusOptions {
        includeGlobs = List.copyOf(includeGlobs == null ? List.of() : includeGlobs);
        instructionPrompt = instructionPrompt == null ? DEFAULT_INSTRUCTION_PROMPT : instructionPrompt;
        if (!instructionPrompt.contains("%s")) {
            throw new IllegalArgumentException("instruction prompt template must contain %s, got: " + instructionPrompt);
        }
    }

    /** All files, default instruction template. */
    public static CorpusOptions defaults() {
        return new CorpusOptions(List.of(), DEFAULT_INSTRUCTION_PROMPT);
    }

    /** The same options restricted to files matching the given globs. */
    public CorpusOptions withIncludes(List<String> globs) {
        return new CorpusOptions(globs, instructionPrompt);
    }
}
