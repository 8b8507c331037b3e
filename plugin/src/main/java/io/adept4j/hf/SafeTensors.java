package io.adept4j.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Hugging Face safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range ({@code data_offsets}, relative to the end of the header), an optional
 * {@code __metadata__} map of strings, then the raw little-endian data. Reading memory-maps the file and decodes one
 * tensor at a time into an off-heap F32 array ({@link #open}), so a multi-GB checkpoint needs neither its size in heap
 * nor all of it in native memory at once; F32, F16 and BF16 are accepted. Every structural defect is an
 * {@link IOException} naming the file and the tensor, raised when the header is read, before any tensor is decoded.
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

    /** One tensor's header entry. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        /** Number of values. */
        public long count() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
    }

    /** Produces the tensor to write under a name (called once per name, in write order). */
    @FunctionalInterface
    public interface TensorSource {
        INDArray get(String name) throws IOException;
    }

    private SafeTensors() {
    }

    /** An open, validated file whose tensors are decoded on request. */
    public static final class Reader implements Closeable {
        private final Path file;
        private final FileChannel channel;
        private final long dataStart;
        private final Map<String, Entry> entries;
        private final Map<String, String> metadata;

        private Reader(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries,
                       Map<String, String> metadata) {
            this.file = file;
            this.channel = channel;
            this.dataStart = dataStart;
            this.entries = entries;
            this.metadata = metadata;
        }

        /** The file. */
        public Path file() {
            return file;
        }

        /** Tensor entries in header order. */
        public Map<String, Entry> entries() {
            return Collections.unmodifiableMap(entries);
        }

        /** The {@code __metadata__} strings (empty when absent). */
        public Map<String, String> metadata() {
            return Collections.unmodifiableMap(metadata);
        }

        /** Decodes one tensor to a new F32 off-heap array (the caller owns it and may close it). */
        public INDArray read(String name) throws IOException {
            Entry e = entries.get(name);
            if (e == null) {
                throw new IOException(file + " holds no tensor " + name);
            }
            return decode(channel, dataStart + e.begin(), e.count(), e.dtype(), e.shape());
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** Opens a file and validates its whole header (dtypes, shapes, offsets, overlaps). */
    public static Reader open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no safetensors file at " + file);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return parse(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static Reader parse(Path file, FileChannel ch) throws IOException {
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
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(METADATA)) {
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            entries.put(e.getKey(), entry(file, e.getKey(), e.getValue(), dataLen));
        }
        requireNoOverlap(file, entries.values());
        return new Reader(file, ch, dataStart, entries, metadata);
    }

    private static Entry entry(Path file, String name, JsonNode t, long dataLen) throws IOException {
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
                    + Arrays.toString(shape) + " of " + dtype + " needs " + count * width);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Reads every tensor of one file. */
    public static Contents read(Path file) throws IOException {
        try (Reader r = open(file)) {
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (String name : r.entries().keySet()) {
                tensors.put(name, r.read(name));
            }
            return new Contents(tensors, new LinkedHashMap<>(r.metadata()));
        }
    }

    private static void requireNoOverlap(Path file, Iterable<Entry> entries) throws IOException {
        TreeMap<Long, Entry> byStart = new TreeMap<>();
        for (Entry e : entries) {
            if (e.end() > e.begin()) {
                Entry other = byStart.put(e.begin(), e);
                if (other != null) {
                    throw new IOException(file + ": tensors " + other.name() + " and " + e.name() + " overlap");
                }
            }
        }
        long lastEnd = -1;
        String last = null;
        for (Entry e : byStart.values()) {
            if (e.begin() < lastEnd) {
                throw new IOException(file + ": tensors " + last + " and " + e.name() + " overlap");
            }
            lastEnd = e.end();
            last = e.name();
        }
    }

    private static INDArray decode(FileChannel ch, long pos, long count, String dtype, long[] shape) throws IOException {
        if (count > Integer.MAX_VALUE) {
            throw new IOException("tensor of " + count + " values is larger than one array can hold");
        }
        // Decoded straight into the array's off-heap buffer: a large checkpoint needs no heap copy of a tensor.
        INDArray arr = Nd4j.create(DataType.FLOAT, shape, 'c');
        if (count == 0) {
            return arr;
        }
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
        Map<String, long[]> shapes = new LinkedHashMap<>();
        new TreeMap<>(tensors).forEach((k, v) -> shapes.put(k, v.shape()));
        write(file, shapes, metadata, tensors::get);
    }

    /** {@link #write(Path, Map, Map, TensorSource, String)} in F32. */
    public static void write(Path file, Map<String, long[]> shapes, Map<String, String> metadata, TensorSource source)
            throws IOException {
        write(file, shapes, metadata, source, "F32");
    }

    /**
     * Writes tensors one at a time, in the order of {@code shapes}: {@code source} is asked for each name in that
     * order, after the header is written, so a writer of a large checkpoint holds one tensor at a time (the format does
     * not require any order). The file appears atomically when complete.
     *
     * @param dtype {@code F32}, or {@code BF16} (round to nearest, ties to even: half the size; values that came from
     *              a BF16 checkpoint are written back bit for bit)
     * @throws IOException naming a tensor whose shape differs from the declared one
     */
    public static void write(Path file, Map<String, long[]> shapes, Map<String, String> metadata, TensorSource source,
                             String dtype) throws IOException {
        if (!dtype.equals("F32") && !dtype.equals("BF16")) {
            throw new IllegalArgumentException("safetensors dtype '" + dtype + "' cannot be written (F32 or BF16)");
        }
        int width = dtype.equals("F32") ? 4 : 2;
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put(METADATA, new TreeMap<>(metadata));
        }
        long offset = 0;
        Map<String, long[]> sorted = shapes;
        for (Map.Entry<String, long[]> e : sorted.entrySet()) {
            long n = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b) * width;
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("dtype", dtype);
            t.put("shape", e.getValue());
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
            for (Map.Entry<String, long[]> e : sorted.entrySet()) {
                INDArray a = source.get(e.getKey());
                if (a == null || !Arrays.equals(a.shape(), e.getValue())) {
                    throw new IOException("tensor " + e.getKey() + " has shape "
                            + (a == null ? "(missing)" : Arrays.toString(a.shape())) + ", declared "
                            + Arrays.toString(e.getValue()));
                }
                if (width == 4) {
                    writeData(ch, a);
                } else {
                    writeBfloat16(ch, a);
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeBfloat16(FileChannel ch, INDArray a) throws IOException {
        INDArray src = a.dataType() == DataType.FLOAT && a.ordering() == 'c' && !a.isView() && a.data().length() == a.length()
                ? a : a.castTo(DataType.FLOAT).dup('c');
        java.nio.FloatBuffer in = src.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        in.limit((int) src.length());
        ByteBuffer out = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            out.clear();
            while (in.hasRemaining() && out.remaining() >= 2) {
                out.putShort(toBfloat16(in.get()));
            }
            out.flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
        }
    }

    /** binary32 → bfloat16, round to nearest, ties to even; NaN stays NaN. */
    static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void writeData(FileChannel ch, INDArray a) throws IOException {
        if (a.length() == 0) {
            return;
        }
        boolean direct = a.dataType() == DataType.FLOAT && a.ordering() == 'c' && !a.isView()
                && a.data().length() == a.length() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        INDArray src = direct ? a : a.castTo(DataType.FLOAT).dup('c');
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            ByteBuffer b = src.data().asNio(); // the off-heap buffer itself: no heap copy
            b.position(0).limit((int) (src.length() * 4));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } else {
            float[] v = src.data().asFloat();
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            ch.write(b);
        }
    }

    /**
     * An open checkpoint folder: {@code model.safetensors}, or the shards listed in {@code model.safetensors.index.json}
     * (every tensor of its {@code weight_map} must be in the shard it names).
     */
    public static final class Checkpoint implements Closeable {
        private final Map<String, Reader> byTensor;
        private final List<Reader> shards;

        private Checkpoint(Map<String, Reader> byTensor, List<Reader> shards) {
            this.byTensor = byTensor;
            this.shards = shards;
        }

        /** Every tensor's entry, by name. */
        public Map<String, Entry> entries() {
            Map<String, Entry> m = new LinkedHashMap<>();
            byTensor.forEach((k, r) -> m.put(k, r.entries().get(k)));
            return m;
        }

        /** Metadata of all shards merged. */
        public Map<String, String> metadata() {
            Map<String, String> m = new LinkedHashMap<>();
            shards.forEach(s -> m.putAll(s.metadata()));
            return m;
        }

        /** Decodes one tensor (F32, off-heap). */
        public INDArray read(String name) throws IOException {
            Reader r = byTensor.get(name);
            if (r == null) {
                throw new IOException("the checkpoint holds no tensor " + name);
            }
            return r.read(name);
        }

        @Override
        public void close() throws IOException {
            for (Reader r : shards) {
                r.close();
            }
        }
    }

    /** Opens a checkpoint folder (one file or shards), validating every header. */
    public static Checkpoint openCheckpoint(Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        List<Reader> shards = new ArrayList<>();
        Map<String, Reader> byTensor = new LinkedHashMap<>();
        try {
            if (!Files.isRegularFile(index)) {
                Path single = dir.resolve("model.safetensors");
                if (!Files.isRegularFile(single)) {
                    throw new IOException(dir + " has neither model.safetensors nor model.safetensors.index.json");
                }
                Reader r = open(single);
                shards.add(r);
                r.entries().keySet().forEach(k -> byTensor.put(k, r));
                return new Checkpoint(byTensor, shards);
            }
            JsonNode idx;
            try {
                idx = JSON.readTree(index.toFile());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(index + " is not valid JSON: " + e.getOriginalMessage());
            }
            JsonNode map = idx.path("weight_map");
            if (!map.isObject() || map.isEmpty()) {
                throw new IOException(index + ": no weight_map");
            }
            Map<String, Reader> byFile = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String shard = e.getValue().asText();
                Reader r = byFile.get(shard);
                if (r == null) {
                    r = open(dir.resolve(shard));
                    byFile.put(shard, r);
                    shards.add(r);
                }
                if (!r.entries().containsKey(e.getKey())) {
                    throw new IOException(index + " lists tensor " + e.getKey() + " in " + shard + ", which does not hold it");
                }
                byTensor.put(e.getKey(), r);
            }
            return new Checkpoint(byTensor, shards);
        } catch (IOException | RuntimeException e) {
            for (Reader r : shards) {
                r.close();
            }
            throw e;
        }
    }

    /** Reads every tensor of a checkpoint folder (see {@link #openCheckpoint}). */
    public static Contents readCheckpoint(Path dir) throws IOException {
        try (Checkpoint c = openCheckpoint(dir)) {
            Map<String, INDArray> all = new LinkedHashMap<>();
            for (String name : c.entries().keySet()) {
                all.put(name, c.read(name));
            }
            return new Contents(all, c.metadata());
        }
    }
}
