package io.adept4j.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Hugging Face safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range ({@code data_offsets}, relative to the end of the header), an optional
 * {@code __metadata__} map of strings, then the raw little-endian data. Reading memory-maps the file (a multi-GB
 * checkpoint does not need its size in heap) and converts F32/F16/BF16 to F32; every structural defect is an
 * {@link IOException} naming the file and the tensor.
 */
public final class SafeTensors {

    /** Key of the free-form string map in the header. */
    public static final String METADATA = "__metadata__";
    /** Largest header accepted (the format's reference implementation uses the same 100 MB bound). */
    static final long MAX_HEADER = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A file's tensors (F32) and its metadata. */
    public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {
    }

    private SafeTensors() {
    }

    /** Reads every tensor of one file. */
    public static Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no safetensors file at " + file);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IOException(file + ": too short for a safetensors header (" + size + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new IOException(file + ": bad header length " + headerLen + " (file has " + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            ch.read(hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(file + ": the header is not valid JSON: " + e.getOriginalMessage());
            }
            if (header == null || !header.isObject()) {
                throw new IOException(file + ": the header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<long[]> ranges = new ArrayList<>();
            List<String> rangeNames = new ArrayList<>();
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals(METADATA)) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                String name = e.getKey();
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText();
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    default -> throw new IOException(file + ": tensor " + name + " has dtype '" + dtype
                            + "'; supported: F32, F16, BF16");
                };
                JsonNode shapeNode = t.path("shape");
                JsonNode offs = t.path("data_offsets");
                if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
                    throw new IOException(file + ": tensor " + name + " lacks a shape or data_offsets [begin, end]");
                }
                long[] shape = new long[shapeNode.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asLong();
                    if (shape[i] < 0) {
                        throw new IOException(file + ": tensor " + name + " has a negative dimension");
                    }
                    count *= shape[i];
                }
                long begin = offs.get(0).asLong();
                long end = offs.get(1).asLong();
                if (begin < 0 || end < begin || end > dataLen) {
                    throw new IOException(file + ": tensor " + name + " has offsets [" + begin + ", " + end
                            + "] outside the data section of " + dataLen + " bytes");
                }
                if (end - begin != count * width) {
                    throw new IOException(file + ": tensor " + name + " spans " + (end - begin) + " bytes but its shape "
                            + java.util.Arrays.toString(shape) + " of " + dtype + " needs " + count * width);
                }
                ranges.add(new long[]{begin, end});
                rangeNames.add(name);
                tensors.put(name, decode(ch, dataStart + begin, count, dtype, shape));
            }
            requireNoOverlap(file, ranges, rangeNames);
            return new Contents(tensors, metadata);
        }
    }

    private static void requireNoOverlap(Path file, List<long[]> ranges, List<String> names) throws IOException {
        TreeMap<Long, Integer> byStart = new TreeMap<>();
        for (int i = 0; i < ranges.size(); i++) {
            if (ranges.get(i)[1] > ranges.get(i)[0]) {
                Integer other = byStart.put(ranges.get(i)[0], i);
                if (other != null) {
                    throw new IOException(file + ": tensors " + names.get(other) + " and " + names.get(i) + " overlap");
                }
            }
        }
        long lastEnd = -1;
        String last = null;
        for (Map.Entry<Long, Integer> e : byStart.entrySet()) {
            long[] r = ranges.get(e.getValue());
            if (r[0] < lastEnd) {
                throw new IOException(file + ": tensors " + last + " and " + names.get(e.getValue()) + " overlap");
            }
            lastEnd = r[1];
            last = names.get(e.getValue());
        }
    }

    private static INDArray decode(FileChannel ch, long pos, long count, String dtype, long[] shape) throws IOException {
        if (count > Integer.MAX_VALUE) {
            throw new IOException("tensor of " + count + " values is larger than one array can hold");
        }
        // Decoded straight into the array's off-heap buffer: a large checkpoint needs no heap copy of a tensor.
        INDArray arr = Nd4j.create(DataType.FLOAT, shape, 'c');
        java.nio.FloatBuffer dst = arr.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        long bytes = count * (dtype.equals("F32") ? 4 : 2);
        MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, pos, bytes);
        map.order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case "F32" -> dst.put(map.asFloatBuffer());
            case "BF16" -> {
                for (int i = 0; i < count; i++) {
                    dst.put(Float.intBitsToFloat((map.getShort() & 0xFFFF) << 16));
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    dst.put(halfToFloat(map.getShort()));
                }
            }
        }
        return arr;
    }

    /** IEEE 754 binary16 → binary32 (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {                       // inf / NaN
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign); // ±0
            }
            float v = mant / 1024f * (float) Math.pow(2, -14); // subnormal
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Writes F32 tensors (sorted by name, 8-byte aligned header) with optional metadata. */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put(METADATA, new TreeMap<>(metadata));
        }
        long offset = 0;
        TreeMap<String, INDArray> sorted = new TreeMap<>(tensors);
        for (Map.Entry<String, INDArray> e : sorted.entrySet()) {
            long n = e.getValue().length() * 4;
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("dtype", "F32");
            t.put("shape", e.getValue().shape());
            t.put("data_offsets", new long[]{offset, offset + n});
            header.put(e.getKey(), t);
            offset += n;
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(h);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(head.flip());
            for (INDArray a : sorted.values()) {
                float[] v = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                ch.write(b);
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a checkpoint folder: {@code model.safetensors}, or the shards listed in {@code model.safetensors.index.json}
     * (every tensor of its {@code weight_map} must be in the shard it names).
     */
    public static Contents readCheckpoint(Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        if (!Files.isRegularFile(index)) {
            return read(dir.resolve("model.safetensors"));
        }
        JsonNode idx = JSON.readTree(index.toFile());
        JsonNode map = idx.path("weight_map");
        if (!map.isObject() || map.isEmpty()) {
            throw new IOException(index + ": no weight_map");
        }
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> byShard.computeIfAbsent(e.getValue().asText(), k -> new ArrayList<>()).add(e.getKey()));
        Map<String, INDArray> all = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> s : byShard.entrySet()) {
            Contents c = read(dir.resolve(s.getKey()));
            for (String t : s.getValue()) {
                INDArray a = c.tensors().get(t);
                if (a == null) {
                    throw new IOException(index + " lists tensor " + t + " in " + s.getKey() + ", which does not hold it");
                }
                all.put(t, a);
            }
            metadata.putAll(c.metadata());
        }
        return new Contents(all, metadata);
    }
}
