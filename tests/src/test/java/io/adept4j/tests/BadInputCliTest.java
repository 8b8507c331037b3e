package io.adept4j.tests;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.adept4j.tests.CliTest.adept;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input, as a new user makes it: corrupt model files, broken JSON, impossible options, output paths that would lose
 * data. Every case must exit 2 with one line naming the file (or option) before any work, and leave what was there
 * untouched.
 */
class BadInputCliTest {

    @TempDir
    static Path tmp;
    static Path model;
    static Path text;

    @BeforeAll
    static void baseModel() throws Exception {
        text = tmp.resolve("general.txt");
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < 60; p++) {
            sb.append("Paragraph ").append(p).append(": the quick brown fox jumps over the lazy dog, and the dog sleeps on.\n\n");
        }
        Files.writeString(text, sb.toString());
        CliTest.Run r = adept("pretrain", "--corpus", text.toString(), "--preset", "tiny", "--steps", "2", "--tokenizer",
                "bpe:1024", "--out", tmp.resolve("base").toString());
        assertEquals(0, r.code(), r.err());
        model = tmp.resolve("base").resolve("model");
    }

    /** One bad-input case: exit 2, a single line on stderr that contains every {@code mustName}. */
    private static void refused(String what, String[] args, String... mustName) {
        CliTest.Run r = adept(args);
        assertEquals(2, r.code(), what + ": " + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), what + ": one line, no stack trace:\n" + err);
        for (String n : mustName) {
            assertTrue(err.contains(n), what + ": the message names " + n + ": " + err);
        }
    }

    private static Path copyModel(String name) throws Exception {
        Path dst = tmp.resolve(name);
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(model)) {
            for (Path p : s.toList()) {
                Files.copy(p, dst.resolve(p.getFileName()));
            }
        }
        return dst;
    }

    private static String[] args(Object... a) {
        return Arrays.stream(a).map(Object::toString).toArray(String[]::new);
    }

    @Test
    void corruptModelsAndConfigsAreNamed() throws Exception {
        Path random = copyModel("random");
        byte[] noise = new byte[1000];
        new Random(1).nextBytes(noise);
        Files.write(random.resolve("weights.zip"), noise);
        refused("random weights", args("probe", "--model", random, "--general", text, "--out", tmp.resolve("o1")),
                "weights.zip", "re-create");
        Path truncated = copyModel("truncated");
        byte[] w = Files.readAllBytes(truncated.resolve("weights.zip"));
        Files.write(truncated.resolve("weights.zip"), Arrays.copyOf(w, w.length / 2));
        refused("truncated weights", args("eval", "--model", truncated, "--corpus", "g=" + text), "weights.zip");
        Path empty = copyModel("empty");
        Files.write(empty.resolve("weights.zip"), new byte[0]);
        refused("empty weights", args("expand", "--model", empty, "--layers", "0", "--out", tmp.resolve("o3")), "weights.zip");
        Path broken = copyModel("broken");
        Files.writeString(broken.resolve("config.json"), "{\"hiddenSize\": ");
        refused("broken config", args("probe", "--model", broken, "--out", tmp.resolve("o4")), "config.json");
        Path typed = copyModel("typed");
        Files.writeString(typed.resolve("config.json"),
                Files.readString(model.resolve("config.json")).replaceFirst("\"numLayers\" *: *\\d+", "\"numLayers\": \"two\""));
        refused("wrong type", args("export", "--model", typed, "--hf-out", tmp.resolve("o5")), "config.json");
        for (String o : List.of("o1", "o3", "o4")) {
            assertTrue(!Files.exists(tmp.resolve(o)) || isEmpty(tmp.resolve(o)), o + " holds nothing");
        }
    }

    @Test
    void thePyTorchPeerBenchmarkNamesTheInstallWhenTorchIsMissing() {
        // Checked before any timing: nothing is measured or written.
        refused("no python", args("bench", "peer", "--sizes", "64x2", "--python", tmp.resolve("no-python"), "--out",
                tmp.resolve("peer")), "no-python", "apt-get install -y python3-torch");
        assertFalse(Files.exists(tmp.resolve("peer").resolve("bench.json")), "no bench.json");
    }

    @Test
    void brokenProbeFilesAndManifestsAreNamed() throws Exception {
        Path probeDir = tmp.resolve("probe");
        assertEquals(0, adept(args("probe", "--model", model, "--general", text, "--max-batches", "2", "--k", "1",
                "--out", probeDir)).code());
        String good = Files.readString(probeDir.resolve("probe.json"));
        String[][] cases = {
                {"truncated", good.substring(0, 60), "not a probe.json"},
                {"empty", "", "not a probe.json"},
                {"array", "[]", "not a probe.json"},
                {"no-layers", good.replaceFirst("\"layers\"", "\"strata\""), "layers"},
                {"nan", good.replaceFirst("\"deltaLoss\" *: *[-0-9.eE]+", "\"deltaLoss\": \"NaN\""), "NaN"},
                {"duplicate", good.replaceFirst("\"index\" *: *1", "\"index\": 0"), "twice"},
        };
        for (String[] c : cases) {
            Path f = tmp.resolve("probe-" + c[0] + ".json");
            Files.writeString(f, c[1]);
            refused("probe " + c[0], args("expand", "--model", model, "--probe", f, "--k", "2", "--out",
                    tmp.resolve("x-" + c[0])), f.getFileName().toString(), c[2]);
        }
        refused("K above the blocks", args("expand", "--model", model, "--probe", probeDir.resolve("probe.json"), "--k",
                "5", "--out", tmp.resolve("x-k")), "K");
        Path ex = tmp.resolve("ex");
        assertEquals(0, adept(args("expand", "--model", model, "--layers", "0", "--out", ex)).code());
        Path cut = copyModel("cut-manifest");
        Files.copy(ex.resolve("model").resolve("weights.zip"), cut.resolve("weights.zip"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(ex.resolve("model").resolve("config.json"), cut.resolve("config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(cut.resolve("manifest.json"), Files.readString(ex.resolve("model").resolve("manifest.json"))
                .substring(0, 50));
        refused("truncated manifest", args("tune", "--model", cut, "--domain", text, "--general", text, "--steps", "2",
                "--out", tmp.resolve("x-tune")), "manifest.json");
    }

    @Test
    void impossibleOptionsAndCorporaAreRefused() throws Exception {
        refused("steps 0", args("pretrain", "--corpus", text, "--preset", "tiny", "--steps", "0", "--out", tmp.resolve("s0")), "--steps");
        refused("steps -5", args("pretrain", "--corpus", text, "--preset", "tiny", "--steps", "-5", "--out", tmp.resolve("s5")), "--steps");
        refused("max-batches -1", args("probe", "--model", model, "--max-batches", "-1", "--out", tmp.resolve("mb")), "--max-batches");
        refused("duplicate eval names", args("eval", "--model", model, "--corpus", "g=" + text, "--corpus", "g=" + text), "'g'");
        refused("threads 0", args("probe", "--model", model, "--threads", "0", "--out", tmp.resolve("t0")), "--threads");
        refused("run threads 0", args("run", "--threads", "0", "--out", tmp.resolve("rt0")), "--threads");
        // masters this build cannot reach are refused before any work, not left to Spark's "Could not parse Master URL"
        refused("k8s master", args("probe", "--model", model, "--spark", "k8s://https://h:6443", "--out", tmp.resolve("k0")),
                "'k8s://https://h:6443'", "spark-standalone.sh");
        refused("spark-conf of another kind", args("probe", "--model", model, "--spark", "local[2]", "--spark-conf",
                "executor.instances=2", "--out", tmp.resolve("sc0")), "'executor.instances'");
        refused("spark cluster deploy mode", args("probe", "--model", model, "--spark", "local[2]", "--spark-conf",
                "spark.submit.deployMode=cluster", "--out", tmp.resolve("sc2")), "spark.submit.deployMode", "client");
        refused("spark-conf without a master", args("probe", "--model", model, "--spark-conf", "spark.executor.instances=2",
                "--out", tmp.resolve("sc1")), "--spark-conf needs --spark");
        refused("yarn without its configuration", args("probe", "--model", model, "--spark", "yarn", "--out",
                tmp.resolve("y0")), "HADOOP_CONF_DIR", "yarn-site.xml");
        refused("local-cluster without workers", args("probe", "--model", model, "--spark", "local-cluster[0,1]", "--out",
                tmp.resolve("lc0")), "local-cluster[W,C,MB]");
        refused("unknown domain", args("run", "--domain", "bogus", "--out", tmp.resolve("r0")), "'bogus'", "math");
        refused("bench sweep repeats 0", args("bench", "sweep", "--repeats", "0", "--out", tmp.resolve("bs0")), "--repeats");
        refused("bench sweep without its file", args("bench", "sweep", "--config", tmp.resolve("none.yaml"), "--out",
                tmp.resolve("bs1")), "none.yaml");
        refused("bench sweep on an unknown master", args("bench", "sweep", "--spark", "foo", "--out", tmp.resolve("bs2")),
                "'foo'");
        Path bin = tmp.resolve("binary");
        Files.createDirectories(bin);
        byte[] exe = new byte[4096];
        new Random(2).nextBytes(exe);
        exe[10] = 0;
        Files.write(bin.resolve("program.txt"), exe);
        refused("binary corpus", args("pretrain", "--corpus", bin, "--preset", "tiny", "--steps", "2", "--out",
                tmp.resolve("bin-out")), "program.txt", "not UTF-8 text");
        Path small = tmp.resolve("small.txt");
        Files.writeString(small, "too short to train on");
        refused("tiny corpus", args("pretrain", "--corpus", small, "--preset", "tiny", "--steps", "2", "--out",
                tmp.resolve("small-out")), "small.txt", "tokens", "need at least");
        CliTest.Run keys = adept("run", "--list-keys");
        assertTrue(keys.out().contains("learningRate"), "--list-keys prints (flushed)");
    }

    @Test
    void nothingAlreadyWrittenIsLost() throws Exception {
        // --out naming a regular file: refused before any training, the file intact
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "mine");
        for (String[] cmd : List.of(
                args("probe", "--model", model, "--out", file),
                args("pretrain", "--corpus", text, "--preset", "tiny", "--steps", "2", "--out", file),
                args("eval", "--model", model, "--corpus", "g=" + text, "--out", file),
                args("expand", "--model", model, "--layers", "0", "--out", file))) {
            refused(cmd[0] + " onto a file", cmd, "a-file");
            assertEquals("mine", Files.readString(file));
        }
        // a finished pretraining is not overwritten by a rerun without --resume
        Path base = tmp.resolve("base");
        byte[] weights = Files.readAllBytes(model.resolve("weights.zip"));
        refused("pretrain rerun", args("pretrain", "--corpus", text, "--preset", "tiny", "--steps", "2", "--tokenizer",
                "bpe:1024", "--out", base), "--overwrite", "--resume");
        assertTrue(Arrays.equals(weights, Files.readAllBytes(model.resolve("weights.zip"))));
        // a user's file inside OUT/model survives even --overwrite
        Path keep = tmp.resolve("keep");
        Files.createDirectories(keep.resolve("model"));
        Files.writeString(keep.resolve("model").resolve("notes.txt"), "mine");
        refused("expand over a user's file", args("expand", "--model", model, "--layers", "0", "--out", keep,
                "--overwrite"), "notes.txt");
        assertEquals("mine", Files.readString(keep.resolve("model").resolve("notes.txt")));
        // import and export never wipe a folder or replace a file
        Path hf = tmp.resolve("hf");
        assertEquals(0, adept(args("export", "--model", model, "--hf-out", hf)).code());
        for (String[] cmd : List.of(args("import", "--hf", hf, "--out", "%s"), args("export", "--model", model,
                "--hf-out", "%s"))) {
            Path dir = tmp.resolve("user-" + cmd[0]);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("notes.txt"), "mine");
            String[] c = cmd.clone();
            c[c.length - 1] = dir.toString();
            refused(cmd[0] + " into a user's folder", c, "notes.txt");
            assertEquals("mine", Files.readString(dir.resolve("notes.txt")));
            String[] f = cmd.clone();
            f[f.length - 1] = file.toString();
            refused(cmd[0] + " onto a file", f, "a-file");
            assertEquals("mine", Files.readString(file));
        }
        // corrupt safetensors: bad input, named
        Path bad = tmp.resolve("hf-bad");
        Files.createDirectories(bad);
        Files.copy(hf.resolve("config.json"), bad.resolve("config.json"));
        byte[] noise = new byte[3000];
        new Random(3).nextBytes(noise);
        Files.write(bad.resolve("model.safetensors"), noise);
        refused("random safetensors", args("import", "--hf", bad, "--out", tmp.resolve("imp-bad")), "model.safetensors");
        Files.write(bad.resolve("model.safetensors"), new byte[0]);
        refused("empty safetensors", args("import", "--hf", bad, "--out", tmp.resolve("imp-bad2")), "model.safetensors");
    }

    /**
     * A WordLevel {@code tokenizer.json} with no end-of-text token: the importer takes {@code eos_token_id} from
     * {@code config.json}; with none there either, the import is bad input naming the fix.
     */
    @Test
    void aTokenizerWithoutEndOfTextTakesTheConfigsEosOrIsRefused() throws Exception {
        Path hf = tmp.resolve("hf-wordlevel");
        assertEquals(0, adept(args("export", "--model", model, "--hf-out", hf)).code());
        Files.deleteIfExists(hf.resolve("adept4j-tokenizer.json"));
        Files.writeString(hf.resolve("tokenizer.json"), "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,"
                + "\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,\"decoder\":null,\"model\":"
                + "{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"the\":1,\"cat\":2,\"sat\":3,\".\":4},"
                + "\"unk_token\":\"[UNK]\"}}");
        String config = Files.readString(hf.resolve("config.json"));
        Files.writeString(hf.resolve("config.json"), config.replaceFirst("\"eos_token_id\" *: *\\d+", "\"eos_token_id\": 4"));
        CliTest.Run ok = adept(args("import", "--hf", hf, "--out", tmp.resolve("imported-wordlevel")));
        assertEquals(0, ok.code(), ok.err());
        assertTrue(Files.readString(tmp.resolve("imported-wordlevel").resolve("config.json")).contains("\"<|endoftext|>\" : 4"),
                "end of text taken from eos_token_id");
        Files.writeString(hf.resolve("config.json"), config.replaceFirst(",?\\s*\"eos_token_id\" *: *\\d+", ""));
        refused("no end of text anywhere", args("import", "--hf", hf, "--out", tmp.resolve("imported-none")),
                "tokenizer.json", "eos_token_id");
    }

    @Test
    void resumingFromATruncatedCheckpointIsNamedAndLeftoversAreCleaned() throws Exception {
        Path run = tmp.resolve("pt-resume");
        String[] pretrain = args("pretrain", "--corpus", text, "--preset", "tiny", "--steps", "3", "--tokenizer", "bpe:1024",
                "--out", run, "--resume");
        assertEquals(0, adept(Arrays.copyOf(pretrain, pretrain.length - 1)).code());
        Path w = run.resolve("checkpoint").resolve("weights.zip");
        byte[] bytes = Files.readAllBytes(w);
        Files.write(w, Arrays.copyOf(bytes, 2000));
        refused("truncated checkpoint", pretrain, "checkpoint", "weights.zip");
        // a temporary folder left by a killed checkpoint write is removed by the next run there
        Path stale = run.resolve("checkpoint.tmp-123");
        Files.createDirectories(stale);
        Files.writeString(stale.resolve(io.adept4j.listeners.AtomicDirectory.MARKER), "");
        Files.write(stale.resolve("weights.zip"), new byte[10]);
        assertEquals(0, adept(args("pretrain", "--corpus", text, "--preset", "tiny", "--steps", "3", "--tokenizer",
                "bpe:1024", "--out", run, "--overwrite")).code());
        assertFalse(Files.exists(stale), "stale temporary removed");
    }

    private static boolean isEmpty(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
