package io.adept4j.cli;

import io.adept4j.hf.HfImporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adept import}: a Hugging Face LLaMA / Qwen2 / Qwen3 checkpoint folder into an adept4j model folder. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import a Hugging Face checkpoint (config.json, model.safetensors or shards, optional tokenizer.json)"
                + " as an adept4j model folder; unsupported architectures and options are refused by name.")
final class ImportCommand implements Callable<Integer> {

    /** Moves the imported files into {@code out} (checked empty or adept4j's own before the import started). */
    private static void moveInto(Path staged, Path out) throws java.io.IOException {
        try (var ds = Files.newDirectoryStream(staged)) {
            for (Path p : ds) {
                Path target = out.resolve(p.getFileName().toString());
                if (p.getFileName().toString().equals(io.adept4j.listeners.AtomicDirectory.MARKER)) {
                    continue;
                }
                Files.move(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
        io.adept4j.listeners.AtomicDirectory.deleteRecursively(staged);
    }

    @Option(names = "--hf", required = true, paramLabel = "DIR", description = "The Hugging Face checkpoint folder.")
    Path hf;

    @Mixin
    CommonOptions common;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path out = common.prepareOut();
        PrintWriter w = spec.commandLine().getOut();
        if (!Files.isDirectory(hf)) {
            throw new IllegalArgumentException("--hf " + hf + " is not a folder; give the checkpoint folder (config.json, "
                    + "model.safetensors)");
        }
        HfImporter.Report r;
        try {
            r = HfImporter.importCheckpoint(hf, out.resolve("import.tmp-staged"));
        } catch (java.io.IOException e) {
            // every IOException of the importer names a file of the checkpoint: bad input, not a failure of ours
            throw new IllegalArgumentException(Inputs.firstLine(e) + " (fix or re-download the checkpoint)", e);
        }
        moveInto(out.resolve("import.tmp-staged"), out);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", "import");
        result.put("source", hf.toAbsolutePath().toString());
        result.put("architecture", r.family().architecture);
        result.put("config", r.config());
        result.put("tensors", r.tensors());
        result.put("parameters", r.parameters());
        result.put("storedDtypes", r.dtypes());
        result.put("skippedTensors", r.skipped());
        String tokenizer = r.config().tokenizer() == null ? null : r.config().tokenizer().shortName();
        result.put("tokenizer", tokenizer);
        result.put("bytesRead", r.bytesRead());
        result.put("seconds", r.seconds());
        JsonFiles.write(out, "import.json", result);
        w.printf("[import] %s: %d layers, d=%d, %,d parameters (%s), tokenizer: %s; %.1f s; wrote %s%n",
                r.family().architecture, r.config().numLayers(), r.config().hiddenSize(), r.parameters(), r.dtypes(),
                tokenizer != null ? tokenizer : "none (text commands will refuse the model)", r.seconds(), out);
        if (!r.skipped().isEmpty()) {
            w.printf("[import] skipped %s (%s)%n", r.skipped(), r.config().tieEmbeddings()
                    ? "tied head / recomputed buffers" : "recomputed buffers");
        }
        return 0;
    }
}
