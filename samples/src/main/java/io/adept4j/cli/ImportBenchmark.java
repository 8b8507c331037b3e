package io.adept4j.cli;

import io.adept4j.hf.HfExporter;
import io.adept4j.hf.HfImporter;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    static Map<String, Object> run(long targetBytes, String dtype, Path work, PrintWriter out) throws IOException {
        int width = dtype.equals("BF16") ? 2 : 4;
        long perLayer = (long) HIDDEN * HIDDEN * 2 + (long) HIDDEN * (HIDDEN / HEADS * KV_HEADS) * 2
                + 3L * HIDDEN * FF + 2L * HIDDEN;
        long fixed = 2L * VOCAB * HIDDEN + HIDDEN;
        int layers = (int) Math.max(1, Math.round((targetBytes / (double) width - fixed) / perLayer));
        Path hf = work.resolve("hf");
        Files.createDirectories(hf);
        long t0 = System.nanoTime();
        long bytes = writeCheckpoint(hf, layers, dtype);
        double genSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf("[bench import] wrote a %d-layer %s checkpoint of %,d bytes in %.1f s%n", layers, dtype, bytes, genSeconds);
        out.flush();
        Path model = work.resolve("model");
        HfImporter.Report r = HfImporter.importCheckpoint(hf, model, out);
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

    /** A minimal streaming safetensors writer: the header, then each tensor's random values in 4 MB chunks. */
    private static long writeCheckpoint(Path dir, int layers, String dtype) throws IOException {
        int width = dtype.equals("BF16") ? 2 : 4;
        int kvw = HIDDEN / HEADS * KV_HEADS;
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[]{VOCAB, HIDDEN});
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new long[]{HIDDEN});
            shapes.put(p + "self_attn.q_proj.weight", new long[]{HIDDEN, HIDDEN});
            shapes.put(p + "self_attn.k_proj.weight", new long[]{kvw, HIDDEN});
            shapes.put(p + "self_attn.v_proj.weight", new long[]{kvw, HIDDEN});
            shapes.put(p + "self_attn.o_proj.weight", new long[]{HIDDEN, HIDDEN});
            shapes.put(p + "post_attention_layernorm.weight", new long[]{HIDDEN});
            shapes.put(p + "mlp.gate_proj.weight", new long[]{FF, HIDDEN});
            shapes.put(p + "mlp.up_proj.weight", new long[]{FF, HIDDEN});
            shapes.put(p + "mlp.down_proj.weight", new long[]{HIDDEN, FF});
        }
        shapes.put("model.norm.weight", new long[]{HIDDEN});
        shapes.put("lm_head.weight", new long[]{VOCAB, HIDDEN});
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 1;
            for (long s : e.getValue()) {
                n *= s;
            }
            String shape = e.getValue().length == 1 ? "" + e.getValue()[0] : e.getValue()[0] + "," + e.getValue()[1];
            h.append(h.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"").append(dtype)
                    .append("\",\"shape\":[").append(shape).append("],\"data_offsets\":[").append(off).append(',')
                    .append(off + n * width).append("]}");
            off += n * width;
        }
        h.append('}');
        Files.writeString(dir.resolve("config.json"), "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":" + HIDDEN
                + ",\"intermediate_size\":" + FF + ",\"num_hidden_layers\":" + layers + ",\"num_attention_heads\":" + HEADS
                + ",\"num_key_value_heads\":" + KV_HEADS + ",\"vocab_size\":" + VOCAB
                + ",\"max_position_embeddings\":4096,\"rms_norm_eps\":1e-5,\"rope_theta\":10000.0,\"hidden_act\":\"silu\","
                + "\"tie_word_embeddings\":false}");
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        long state = 0x9E3779B97F4A7C15L;
        try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, hb.length));
            ch.write(ByteBuffer.wrap(hb));
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long remaining = off;
            while (remaining > 0) {
                buf.clear();
                while (buf.remaining() >= 4 && remaining - buf.position() >= width) {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    float v = (float) ((state >>> 40) / (double) (1L << 24) - 0.5) * 0.04f; // uniform ±0.02
                    if (width == 2) {
                        buf.putShort((short) (Float.floatToIntBits(v) >>> 16));
                    } else {
                        buf.putFloat(v);
                    }
                }
                buf.flip();
                remaining -= buf.remaining();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }
        return Files.size(dir.resolve("model.safetensors"));
    }
}
