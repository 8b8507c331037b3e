package io.adept4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * adept4j side by side with its PyTorch peer ({@code scripts/torch_peer.py}) on the same model shape, batch and thread
 * count: a full training step and a forward pass of the base model ({@link ModelBenchmark}), and a copies-only step as
 * a share of a full step on the expanded model ({@link TuneBenchmark}, plain Adam on the copies, as the peer's AdamW).
 * The two sides run one after the other for each size, so drift of a shared machine hits both alike.
 */
final class PeerBenchmark {

    /** The fix a user needs when the peer cannot run. */
    static final String INSTALL = "install it with: apt-get install -y python3-torch libopenblas0-pthread "
            + "(or point --python at a Python that has torch)";

    private PeerBenchmark() {
    }

    /** The peer script of this checkout; refused with the path when missing. */
    static Path script() {
        Path home = Path.of(System.getProperty("adept4j.home", "."));
        Path script = home.resolve("scripts").resolve("torch_peer.py");
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException("the PyTorch peer " + script + " is missing: run adept from the project "
                    + "folder (its scripts/ folder holds torch_peer.py)");
        }
        return script;
    }

    /** Checks before any timing that {@code python} can import torch; refused with the fix otherwise. */
    static void requireTorch(String python) {
        String out;
        int rc;
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
                    .redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim(); // until it exits
            rc = p.waitFor();
        } catch (IOException e) {
            throw new IllegalArgumentException("bench peer: cannot run " + python + " (" + e.getMessage() + "); "
                    + INSTALL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + python, e);
        }
        if (rc != 0) {
            String last = out.isEmpty() ? "exit " + rc : out.lines().reduce((a, b) -> b).orElse(out);
            throw new IllegalArgumentException("bench peer: " + python + " cannot import torch (" + last + "); " + INSTALL);
        }
    }

    /** Runs the peer for one size; its JSON line as a map. */
    static Map<String, Object> peer(String python, Path script, int hidden, int layers, int threads, int vocab,
                                    int batch, int seqLen, int steps, PrintWriter log)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--hidden", "" + hidden, "--layers",
                "" + layers, "--threads", "" + threads, "--vocab", "" + vocab, "--batch", "" + batch, "--seq",
                "" + seqLen, "--steps", "" + steps));
        // The peer inherits OPENBLAS_CORETYPE: Debian's OpenBLAS needs the same kernel choice as ND4J's on this CPU.
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || out.isEmpty()) {
            throw new IllegalStateException("the PyTorch peer failed (exit " + p.exitValue() + ") for d=" + hidden
                    + " L=" + layers + ": " + out);
        }
        String json = out.lines().reduce((a, b) -> b).orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = new ObjectMapper().readValue(json, Map.class);
        log.printf("[bench peer] torch d=%d L=%d: train %.3f s/step, forward %s tok/s, copies-only %.2f x full%n",
                hidden, layers, ((Number) m.get("trainStepSeconds")).doubleValue(), m.get("forwardTokensPerSecond"),
                ((Number) m.get("copiesOnlyOverFull")).doubleValue());
        return m;
    }

    /** One size: adept4j's figures, the peer's, and adept4j over the peer. */
    static Map<String, Object> run(String python, Path script, int hidden, int layers, int seqLen, int batch, int steps,
                                   String tokenizer, PrintWriter log) throws IOException, InterruptedException {
        int threads = io.adept4j.model.CausalLm.threads(); // the peer gets as many intra-op threads as adept4j uses
        Map<String, Object> ours = ModelBenchmark.run(hidden, layers, seqLen, batch, steps, tokenizer, log);
        int k = Math.max(1, layers / 4);
        int[] sources = new int[k];
        for (int i = 0; i < k; i++) {
            sources[i] = layers / 2 - 1 + i; // the first copy sits at index L/2, where the peer's first trainable block is
        }
        Map<String, Object> tune = TuneBenchmark.run(hidden, layers, sources, seqLen, batch, Math.max(2, steps / 2), 1,
                500, tokenizer, log);
        int vocab = ((Number) ours.get("vocab")).intValue();
        Map<String, Object> torch = peer(python, script, hidden, layers, threads, vocab, batch, seqLen, steps, log);
        double copiesOurs = ((Number) tune.get("plainAdamCopiesStepSeconds")).doubleValue()
                / ((Number) tune.get("fullCptStepSeconds")).doubleValue();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden", hidden);
        m.put("layers", layers);
        m.put("threads", threads);
        m.put("adept4j", Map.of("trainTokensPerSecond", ours.get("trainTokensPerSecond"),
                "forwardTokensPerSecond", ours.get("forwardTokensPerSecond"),
                "copiesOnlyOverFull", Math.round(copiesOurs * 1000) / 1000.0,
                "sgemmPeakGflopPerSecond", ours.get("sgemmPeakGflopPerSecond")));
        m.put("adept4jTune", tune); // the whole bench tune row it was measured in (split-LR step, refresh cost too)
        m.put("torch", torch);
        m.put("trainOverTorch", ratio(ours.get("trainTokensPerSecond"), torch.get("trainTokensPerSecond")));
        m.put("forwardOverTorch", ratio(ours.get("forwardTokensPerSecond"), torch.get("forwardTokensPerSecond")));
        m.put("copiesOnlyRatioOverTorch", Math.round(copiesOurs / ((Number) torch.get("copiesOnlyOverFull"))
                .doubleValue() * 1000) / 1000.0);
        log.printf("[bench peer] d=%d L=%d, %d thread(s): adept4j/torch train %.2f x, forward %.2f x; copies-only step "
                        + "%.2f x full (torch %.2f x)%n", hidden, layers, threads, m.get("trainOverTorch"),
                m.get("forwardOverTorch"), copiesOurs, ((Number) torch.get("copiesOnlyOverFull")).doubleValue());
        return m;
    }

    private static double ratio(Object a, Object b) {
        return Math.round(((Number) a).doubleValue() / ((Number) b).doubleValue() * 1000) / 1000.0;
    }
}
