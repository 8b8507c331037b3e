package io.adept4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.adept4j.hf.HfConfig;
import io.adept4j.hf.HfExporter;
import io.adept4j.hf.HfImporter;
import io.adept4j.hf.SafeTensors;
import io.adept4j.model.LlamaLayout;
import io.adept4j.model.LmConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code adept bench import}: writes a synthetic LLaMA-layout checkpoint of a requested size (BF16 or F32, random
 * values, LLaMA-2-7B-like block shapes at d=2048), imports it and exports it back in the same dtype, reporting time,
 * throughput and memory: run under
 * {@code JAVA_OPTS=-Xmx1g} to show that a checkpoint larger than the heap imports (memory-mapped, one tensor at a time).
 */
final class ImportBenchmark {

    static final int HIDDEN = 2048;
    static final int HEADS = 16;
    static final int KV_HEADS = 4;
    static final int FF = 5632;
    static final int VOCAB = 32000;

    private ImportBenchmark() {
    }

    /** The benchmark's model shape with {@code layers} blocks (untied, so the head is a second vocabulary matrix). */
    static LmConfig config(int layers) {
        return new LmConfig(VOCAB, HIDDEN, layers, HEADS, KV_HEADS, HIDDEN / HEADS, FF, 4096, 10000.0, 1e-5, false,
                false, false, null);
    }

    static Map<String, Object> run(long targetBytes, String dtype, Path work, PrintWriter out) throws IOException {
        int width = dtype.equals("BF16") ? 2 : 4;
        long fixed = LlamaLayout.parameterCount(config(0));
        long perLayer = LlamaLayout.parameterCount(config(1)) - fixed;
        int layers = (int) Math.max(1, Math.round((targetBytes / (double) width - fixed) / perLayer));
        Path hf = work.resolve("hf");
        Files.createDirectories(hf);
        long t0 = System.nanoTime();
        long bytes = writeCheckpoint(hf, layers, dtype);
        double genSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf("[bench import] wrote a %d-layer %s checkpoint of %,d bytes in %.1f s%n", layers, dtype, bytes, genSeconds);
        out.flush();
        Path model = work.resolve("model");
        HfImporter.Report r = HfImporter.importCheckpoint(hf, model);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("checkpointBytes", bytes);
        row.put("dtype", dtype);
        row.put("layers", layers);
        row.put("parameters", r.parameters());
        row.put("importSeconds", r.seconds());
        row.put("importMBPerSecond", bytes / (1 << 20) / r.seconds());
        row.put("outputBytes", Files.size(model.resolve("weights.zip")));
        HfExporter.Report x = HfExporter.export(model, work.resolve("exported"), dtype);
        out.printf("[bench import] exported it back as %s in %.1f s%n", dtype, x.seconds());
        row.put("exportSeconds", x.seconds());
        row.put("exportBytes", x.bytes());
        row.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        long peakHeap = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                peakHeap += p.getPeakUsage().getUsed();
            }
        }
        row.put("peakHeapBytesSumOfPools", peakHeap);
        row.put("peakRssBytes", peakRss());
        return row;
    }

    /** VmHWM from /proc (Linux), or -1. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    /** The checkpoint through adept4j's own streaming writer: random values, one tensor in memory at a time. */
    private static long writeCheckpoint(Path dir, int layers, String dtype) throws IOException {
        LmConfig c = config(layers);
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), HfConfig.toJson(c, -1, dtype));
        Nd4j.getRandom().setSeed(42);
        INDArray[] previous = {null};
        SafeTensors.write(dir.resolve("model.safetensors"), LlamaLayout.tensors(c), Map.of("format", "pt"), name -> {
            if (previous[0] != null && previous[0].closeable()) {
                previous[0].close(); // native memory back now: the checkpoint may exceed what the process may hold
            }
            previous[0] = Nd4j.rand(DataType.FLOAT, LlamaLayout.tensors(c).get(name)).subi(0.5).muli(0.04); // ±0.02
            return previous[0];
        }, dtype);
        return Files.size(dir.resolve("model.safetensors"));
    }
}
