package io.adept4j.cli;

import io.adept4j.datavec.corpus.Corpus;
import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.tokenize.BpeTokenizer;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.datavec.tokenize.TokenizerSpec;
import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code adept bench …}: benchmarks that write {@code bench.json}. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks; each writes bench.json.",
        subcommands = {BenchCommand.Tokenize.class, BenchCommand.Model.class, BenchCommand.Probe.class, BenchCommand.Tune.class,
                BenchCommand.Import.class, BenchCommand.Peer.class, BenchCommand.Sweep.class})
final class BenchCommand extends CommandGroup {

    /** Model sizes, sequence length and vocabulary shared by the per-size benchmarks. */
    static final class SizeOptions {
        @Option(names = "--sizes", defaultValue = "128x4,256x8", split = ",", paramLabel = "DxL",
                description = "Model sizes as hidden x layers (default: ${DEFAULT-VALUE}).")
        List<String> sizes;

        @Option(names = "--seq-len", defaultValue = "128", paramLabel = "T", description = "Sequence length (default: ${DEFAULT-VALUE}).")
        int seqLen;

        @Option(names = "--tokenizer", defaultValue = "bpe:8192", paramLabel = "KIND[:VOCAB]", description = "Vocabulary (default: ${DEFAULT-VALUE}).")
        String tokenizer;
    }

    /** Batch and timed steps of the training-step benchmarks ({@code model}, {@code peer}). */
    static final class StepOptions {
        @Option(names = "--batch", defaultValue = "16", paramLabel = "B", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--steps", defaultValue = "10", paramLabel = "N", description = "Timed steps after 3 warm-up steps (default: ${DEFAULT-VALUE}).")
        int steps;

        void validate() {
            if (steps < 1 || batch < 1) {
                throw new IllegalArgumentException("--steps and --batch must be at least 1, got " + steps + " and " + batch);
            }
        }
    }

    /** Parses {@code HIDDENxLAYERS} sizes such as {@code 256x8}. */
    static List<int[]> parseSizes(List<String> sizes) {
        List<int[]> out = new ArrayList<>();
        for (String s : sizes) {
            String[] dl = s.toLowerCase().split("x");
            try {
                if (dl.length != 2) {
                    throw new NumberFormatException();
                }
                out.add(new int[]{Integer.parseInt(dl[0].trim()), Integer.parseInt(dl[1].trim())});
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("size '" + s + "' is not HIDDENxLAYERS, e.g. 256x8");
            }
        }
        return out;
    }

    /** Writes and prints a per-size benchmark's bench.json. */
    static int writeSizes(CommonOptions common, picocli.CommandLine.Model.CommandSpec spec, String name,
                          List<Map<String, Object>> rows, String notes) throws java.io.IOException {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", name);
        result.put("sizes", rows);
        result.put("notes", notes);
        result.put("machine", machine());
        JsonFiles.write(common.out != null ? common.out : Path.of("runs", "bench"), "bench.json", result);
        spec.commandLine().getOut().println(JsonFiles.toJson(result));
        return 0;
    }

    /** Environment facts recorded with every benchmark, so numbers can be compared across machines. */
    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("threads", io.adept4j.model.CausalLm.threads()); // batch shards on parallel threads (--threads)
        m.put("ompNumThreads", System.getenv("OMP_NUM_THREADS")); // BLAS threads inside each shard
        // Set by ./adept on AVX-512 CPUs the bundled OpenBLAS does not recognise (scripts/openblas-coretype.sh);
        // absent means OpenBLAS chose its kernels itself.
        m.put("openblasCoretype", System.getenv("OPENBLAS_CORETYPE"));
        // CpuBackend or JCublasBackend (the cuda profile), so CPU and GPU figures are never confused
        m.put("nd4jBackend", org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName());
        // the softmaxes, SwiGLU and RMSNorm on the JDK's Vector API (--add-modules=jdk.incubator.vector) or as ND4J ops
        m.put("vectorKernels", io.adept4j.model.CausalLm.vectorKernels());
        return m;
    }

    /** Training-step and forward throughput of the built-in model at a few sizes. */
    @Command(name = "model", mixinStandardHelpOptions = true,
            description = "Training-step and forward tokens/s, GFLOP/s, sgemm peak, MFU and peak memory per model size.")
    static final class Model implements Callable<Integer> {

        @Mixin
        SizeOptions model;

        @Mixin
        StepOptions timed;

        @Mixin
        CommonOptions common;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            timed.validate();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int[] dl : parseSizes(model.sizes)) {
                rows.add(ModelBenchmark.run(dl[0], dl[1], model.seqLen, timed.batch, timed.steps, model.tokenizer,
                        spec.commandLine().getOut()));
            }
            return writeSizes(common, spec, "model", rows, "FLOPs count matmuls only (projections, attention products over "
                    + "the full T x T square, head); training = 3x forward. MFU = achieved / best-of-10 sgemm on a "
                    + "[B*T, d] x [d, max(d, ffn)] product measured in the same run. Peak RSS is the process high-water "
                    + "mark after each size.");
        }
    }

    /** adept4j against its PyTorch peer on the same shapes and thread count, in one bench.json. */
    @Command(name = "peer", mixinStandardHelpOptions = true,
            description = "adept4j vs the PyTorch peer (scripts/torch_peer.py): training-step and forward tokens/s and "
                    + "the copies-only step ratio per model size, with adept4j/torch ratios.")
    static final class Peer implements Callable<Integer> {

        @Mixin
        SizeOptions model;

        @Mixin
        StepOptions timed;

        @Option(names = "--python", defaultValue = "/usr/bin/python3", paramLabel = "PATH",
                description = "Python with torch (default: ${DEFAULT-VALUE}, where Debian's python3-torch installs).")
        String python;

        @Mixin
        CommonOptions common;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            timed.validate();
            List<int[]> sizes = parseSizes(model.sizes);
            Path script = PeerBenchmark.script();
            PeerBenchmark.requireTorch(python); // before any timing
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int[] dl : sizes) {
                rows.add(PeerBenchmark.run(python, script, dl[0], dl[1], model.seqLen, timed.batch, timed.steps, model.tokenizer,
                        spec.commandLine().getOut()));
            }
            return writeSizes(common, spec, "peer", rows, "Same shapes, batch, vocabulary and thread count on both "
                    + "sides; the peer inherits OPENBLAS_CORETYPE. Goals (#15): trainOverTorch and forwardOverTorch >= 1.2, "
                    + "copiesOnlyRatioOverTorch <= 1. adept4j's copies-only ratio is plain Adam on the copies over Adam "
                    + "on every tensor of the same expanded model (bench tune); the peer's is AdamW the same way.");
        }
    }

    /** A sweep one candidate at a time against the same sweep on Spark, each in a process of its own. */
    @Command(name = "sweep", mixinStandardHelpOptions = true,
            description = "A sweep run one candidate at a time vs on a Spark master (fresh adept sweep processes, "
                    + "alternately): wall times, their ratio and whether every candidate's losses agree.")
    static final class Sweep implements Callable<Integer> {

        @Option(names = "--config", paramLabel = "FILE",
                description = "Sweep file (default: 8 LR-ratio candidates of 40 steps on the shipped base and bundled corpora).")
        Path config;

        @Option(names = "--spark", defaultValue = "local[2]", paramLabel = "MASTER",
                description = "The Spark master of the compared runs (default: ${DEFAULT-VALUE}).")
        String master;

        @Option(names = "--repeats", defaultValue = "2", paramLabel = "N",
                description = "Pairs of runs, alternating (default: ${DEFAULT-VALUE}).")
        int repeats;

        @Mixin
        CommonOptions common;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (repeats < 1) {
                throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
            }
            SparkOption.requireMaster("--spark", master, Map.of());
            if (config != null && !java.nio.file.Files.isRegularFile(config)) {
                throw new IllegalArgumentException("--config " + config + " does not exist; give a sweep file (adept "
                        + "sweep --help) or leave it out for the default sweep");
            }
            Path adept = Path.of(System.getProperty("adept4j.home", ".")).resolve("adept");
            if (!java.nio.file.Files.isExecutable(adept)) {
                throw new IllegalArgumentException("bench sweep starts " + adept + " for each run, which is missing: run "
                        + "it through ./adept from the project folder");
            }
            // each run's folder (and the default sweep file) is named for this call: --overwrite replaces bench.json only
            Path dir = Inputs.output(common.out != null ? common.out : Path.of("runs", "bench-sweep"), common.overwrite)
                    .toAbsolutePath();
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("benchmark", "sweep");
            result.putAll(SweepBenchmark.run(adept, config == null ? null : config.toAbsolutePath(), master,
                    io.adept4j.model.CausalLm.threads(), repeats, dir, spec.commandLine().getOut()));
            result.put("notes", "Goal (#17): medianSparkOverOneAtATime <= 0.6 on local[2] for >= 8 candidates, with "
                    + "identical losses. Each run is a fresh adept sweep process, timed from its start to its exit "
                    + "(JVM start, corpora, Spark's start included); the pairs alternate.");
            result.put("machine", machine());
            JsonFiles.write(dir, "bench.json", result);
            spec.commandLine().getOut().println(JsonFiles.toJson(result));
            return 0;
        }
    }

    /** Cost of probing every block, in full forward passes over the same probe set. */
    @Command(name = "probe", mixinStandardHelpOptions = true,
            description = "Layer-probe cost relative to (L+1) full forward passes, per model size (random weights).")
    static final class Probe implements Callable<Integer> {

        @Mixin
        SizeOptions model;

        @Option(names = "--batches", defaultValue = "16", paramLabel = "N", description = "Probe batches (default: ${DEFAULT-VALUE}).")
        int batches;

        @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "Windows per batch (default: ${DEFAULT-VALUE}).")
        int batch;

        @Mixin
        CommonOptions common;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int[] dl : parseSizes(model.sizes)) {
                rows.add(ProbeBenchmark.run(dl[0], dl[1], model.seqLen, batch, batches, model.tokenizer,
                        spec.commandLine().getOut()));
            }
            return writeSizes(common, spec, "probe", rows, "forwardEquivalents = probe wall time (suffix-model builds "
                    + "included) / time of the full forward passes (blocks + head) over the same batches measured inside "
                    + "the probe; goal: ratioToLPlus1 <= 0.6");
        }
    }

    /** Decoupled tuning against full CPT, the split-LR updater against Adam, and the refresh cost. */
    @Command(name = "tune", mixinStandardHelpOptions = true,
            description = "Decoupled-tuning step vs full-CPT step on an expanded model, split-LR overhead over Adam, "
                    + "importance-refresh share (random weights).")
    static final class Tune implements Callable<Integer> {

        @Option(names = "--size", defaultValue = "256x8", paramLabel = "DxL", description = "Base model size (default: ${DEFAULT-VALUE}).")
        String size;

        @Option(names = "--copy", defaultValue = "3,6", split = ",", paramLabel = "LAYERS",
                description = "Base blocks to copy, 0-based; the lower the lowest, the longer the backward pass "
                        + "(default: ${DEFAULT-VALUE}, i.e. mid-depth, not the cheapest deep placement).")
        int[] copy;

        @Option(names = "--seq-len", defaultValue = "128", paramLabel = "T", description = "Sequence length (default: ${DEFAULT-VALUE}).")
        int seqLen;

        @Option(names = "--batch", defaultValue = "16", paramLabel = "B", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--steps", defaultValue = "4", paramLabel = "N", description = "Timed steps of each kind after 2 warm-up steps (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--probe-batches", defaultValue = "4", paramLabel = "N", description = "General batches per importance refresh (default: ${DEFAULT-VALUE}, as adept tune).")
        int probeBatches;

        @Option(names = "--refresh", defaultValue = "500", paramLabel = "N", description = "Refresh interval the refresh share is computed for (default: ${DEFAULT-VALUE}, as adept tune).")
        int refresh;

        @Option(names = "--tokenizer", defaultValue = "bpe:8192", paramLabel = "KIND[:VOCAB]", description = "Vocabulary (default: ${DEFAULT-VALUE}).")
        String tokenizer;

        @Mixin
        CommonOptions common;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (steps < 1 || probeBatches < 1 || refresh < 1) {
                throw new IllegalArgumentException("--steps, --probe-batches and --refresh must be at least 1");
            }
            int[] dl = parseSizes(List.of(size)).get(0);
            Map<String, Object> row = TuneBenchmark.run(dl[0], dl[1], copy, seqLen, batch, steps, probeBatches, refresh,
                    tokenizer, spec.commandLine().getOut());
            return writeSizes(common, spec, "tune", List.of(row), "Goals: tuneOverFullCpt <= 0.45 (full CPT = Adam on "
                    + "every tensor of the same expanded model), splitLrOverheadOverAdam <= 0.10 (same trainable set), "
                    + "refreshShareOfTraining <= 0.05 at the default interval. Steps of the three kinds are interleaved.");
        }
    }

    /** Tokenising + windowing throughput over corpora already read into memory. */
    @Command(name = "tokenize", mixinStandardHelpOptions = true,
            description = "Tokenising + windowing throughput (tokens/s) on the given or bundled corpora.")
    static final class Tokenize implements Callable<Integer> {

        @Option(names = "--corpus", paramLabel = "PATH", description = "Corpora to use (default: the bundled ones).")
        List<Path> corpora = new ArrayList<>();

        @Option(names = "--tokenizer", defaultValue = "bpe:8192", paramLabel = "KIND[:VOCAB]",
                description = "Tokenizer (default: ${DEFAULT-VALUE}).")
        String tokenizer;

        @Option(names = "--seq-len", defaultValue = "128", paramLabel = "T", description = "Window length (default: ${DEFAULT-VALUE}).")
        int seqLen;

        @Option(names = "--repeats", defaultValue = "5", paramLabel = "N",
                description = "Timed passes, each with a fresh tokenizer (cold piece cache) (default: ${DEFAULT-VALUE}).")
        int repeats;

        @Mixin
        CommonOptions common;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (repeats < 1) {
                throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
            }
            List<Path> paths = corpora.isEmpty() ? BundledCorpora.all() : corpora;
            List<Corpus> read = new ArrayList<>();
            long bytes = 0;
            for (Path p : paths) {
                Corpus c = CorpusReader.read(p);
                read.add(c);
                bytes += c.bytes();
            }
            TokenizerSpec spec0 = Tokenizers.parse(tokenizer).spec();
            WindowSpec ws = WindowSpec.packed(seqLen);
            double[] rates = new double[repeats];
            long tokens = 0;
            List<Map<String, Object>> passes = new ArrayList<>();
            for (int r = 0; r < repeats; r++) {
                Tokenizer tok = fresh(spec0);
                long t0 = System.nanoTime();
                tokens = 0;
                for (Corpus c : read) {
                    tokens += TokenWindows.build(c.name(), c.documents(), tok, ws).corpusTokens();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                rates[r] = tokens / secs;
                Map<String, Object> pass = new LinkedHashMap<>();
                pass.put("pass", r);
                pass.put("seconds", round(secs));
                pass.put("tokensPerSecond", Math.round(rates[r]));
                passes.add(pass);
                spec.commandLine().getErr().printf("[bench tokenize] pass %d/%d: %,d tokens in %.2f s = %,.0f tokens/s%n",
                        r + 1, repeats, tokens, secs, rates[r]);
            }
            double[] sorted = Arrays.copyOf(rates, rates.length);
            Arrays.sort(sorted);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("benchmark", "tokenize+window");
            result.put("tokenizer", spec0.shortName());
            result.put("seqLen", seqLen);
            result.put("corpora", paths.stream().map(Path::toString).toList());
            result.put("bytes", bytes);
            result.put("tokens", tokens);
            result.put("firstPassTokensPerSecond", Math.round(rates[0]));
            result.put("medianTokensPerSecond", Math.round(sorted[sorted.length / 2]));
            result.put("passes", passes);
            result.put("machine", machine());
            spec.commandLine().getOut().println(JsonFiles.toJson(result));
            JsonFiles.write(common.out != null ? common.out : Path.of("runs", "bench"), "bench.json", result);
            return 0;
        }

        /** A new instance, so every pass starts with an empty piece cache. */
        private static Tokenizer fresh(TokenizerSpec spec) {
            return spec.kind().equals(BpeTokenizer.KIND) ? new BpeTokenizer(spec.vocabSize()) : new ByteTokenizer();
        }

        private static double round(double v) {
            return Math.round(v * 1000) / 1000.0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Write a synthetic LLaMA-layout safetensors checkpoint, time its import and its export back; run with"
                    + " JAVA_OPTS=-Xmx1g to check that a checkpoint larger than the heap imports.")
    static final class Import implements Callable<Integer> {

        @Option(names = "--size-mb", defaultValue = "1024", paramLabel = "MB", description = "Checkpoint size (default: ${DEFAULT-VALUE}).")
        long sizeMb;

        @Option(names = "--dtype", defaultValue = "BF16", paramLabel = "BF16|F32", description = "Stored dtype (default: ${DEFAULT-VALUE}).")
        String dtype;

        @Option(names = "--keep", description = "Keep the synthetic checkpoint and the imported model under --out.")
        boolean keep;

        @Mixin
        CommonOptions common;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (sizeMb < 1 || !(dtype.equals("BF16") || dtype.equals("F32"))) {
                throw new IllegalArgumentException("--size-mb must be positive and --dtype BF16 or F32");
            }
            Path out = common.requireOut();
            Path work = out.resolve("work");
            Map<String, Object> row = ImportBenchmark.run(sizeMb << 20, dtype, work, spec.commandLine().getOut());
            if (!keep) {
                io.adept4j.listeners.AtomicDirectory.deleteRecursively(work);
            }
            Map<String, Object> bench = new LinkedHashMap<>();
            bench.put("benchmark", "import");
            bench.put("result", row);
            JsonFiles.write(out, "bench.json", bench);
            spec.commandLine().getOut().println(JsonFiles.toJson(bench));
            return 0;
        }
    }
}
