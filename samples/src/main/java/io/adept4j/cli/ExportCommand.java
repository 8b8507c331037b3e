package io.adept4j.cli;

import io.adept4j.hf.HfExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code adept export}: an adept4j model folder (base, expanded or tuned) as a Hugging Face checkpoint. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a model folder as a Hugging Face checkpoint (config.json with the current num_hidden_layers,"
                + " float32 or bfloat16 model.safetensors with the expansion manifest as metadata, tokenizer.json when imported with one).")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The adept4j model folder.")
    Path model;

    @Option(names = "--hf-out", required = true, paramLabel = "DIR", description = "The checkpoint folder to write.")
    Path hfOut;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|bf16",
            description = "Stored dtype: f32, or bf16 (half the size; weights imported from bf16 and not trained are written back bit for bit) (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Mixin
    CommonOptions common;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String d = dtype.toUpperCase(java.util.Locale.ROOT);
        if (!d.equals("F32") && !d.equals("BF16")) {
            throw new IllegalArgumentException("--dtype must be f32 or bf16, got '" + dtype + "'");
        }
        Inputs.output("--hf-out", hfOut, common.overwrite);
        Inputs.modelConfig(model);
        HfExporter.Report r;
        try {
            r = HfExporter.export(model, hfOut, d);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(Inputs.firstLine(e) + " (is " + model + " a complete model folder? "
                    + "re-create it, or export another model)", e);
        }
        spec.commandLine().getOut().printf("[export] %s with %d layers, %d tensors, %,d bytes%s%s; %.1f s; wrote %s%n",
                r.family().architecture, r.layers(), r.tensors(), r.bytes(),
                r.tokenizer() ? ", tokenizer.json" : " (no tokenizer.json: the model uses an adept4j tokenizer)",
                r.manifest() ? ", expansion manifest" : "", r.seconds(), hfOut);
        return 0;
    }
}
