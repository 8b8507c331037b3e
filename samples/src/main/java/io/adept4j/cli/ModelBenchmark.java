package io.adept4j.cli;

import io.adept4j.datavec.tokenize.Tokenizers;
import io.adept4j.model.CausalLm;
import io.adept4j.ops.NativeMemory;
import io.adept4j.model.LmConfig;
import io.adept4j.train.ParameterOptimizer;
import io.adept4j.train.WarmupCosineSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Training-step and forward throughput of one model size, with FLOP counts, sgemm peak and MFU. */
final class ModelBenchmark {

    private ModelBenchmark() {
    }

    /**
     * Matmul FLOPs of one forward pass per token: 2 per weight of every projection and of the head, plus the attention
     * products (scores and weighted values, computed over the full masked T×T square).
     */
    static double forwardFlopsPerToken(LmConfig c, int t) {
        double blockWeights = (double) c.hiddenSize() * (c.qWidth() + 2L * c.kvWidth()) + (double) c.qWidth() * c.hiddenSize()
                + 3.0 * c.hiddenSize() * c.intermediateSize();
        double attention = 2.0 * 2.0 * t * c.qWidth();
        return c.numLayers() * (2 * blockWeights + attention) + 2.0 * c.vocabSize() * c.hiddenSize();
    }

    /**
     * Best sgemm GFLOP/s of the machine as the model uses it: {@code threads} threads at once, each multiplying its own
     * {@code [m/threads, k] × [k, n]} (a batch shard's shape), single-threaded BLAS; best of 10 timed rounds.
     */
    static double sgemmPeak(int m, int k, int n, int threads) {
        int rows = Math.max(1, m / threads);
        INDArray[] a = new INDArray[threads];
        INDArray[] b = new INDArray[threads];
        INDArray[] c = new INDArray[threads];
        for (int t = 0; t < threads; t++) {
            a[t] = Nd4j.rand(DataType.FLOAT, rows, k);
            b[t] = Nd4j.rand(DataType.FLOAT, k, n);
            c[t] = Nd4j.create(DataType.FLOAT, rows, n);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double best = 0;
            for (int i = 0; i < 12; i++) {
                List<Callable<Object>> jobs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int x = t;
                    jobs.add(() -> Nd4j.gemm(a[x], b[x], c[x], false, false, 1.0, 0.0));
                }
                long t0 = System.nanoTime();
                for (Future<Object> f : pool.invokeAll(jobs)) {
                    f.get();
                }
                double s = (System.nanoTime() - t0) / 1e9;
                if (i >= 2) {
                    best = Math.max(best, 2.0 * rows * threads * k * n / s / 1e9);
                }
            }
            return best;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    /** Peak resident memory of this process so far (VmHWM), in MiB; -1 where /proc is unavailable. */
    static long peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static Map<String, Object> run(int hidden, int layers, int seqLen, int batch, int steps, String tokenizer,
                                   PrintWriter log) {
        int heads = Math.max(1, hidden / 32);
        int kv = Math.max(1, heads / 2);
        LmConfig c = LmConfig.of(Tokenizers.parse(tokenizer).spec(), hidden, layers, heads, kv, seqLen);
        CausalLm lm = CausalLm.build(c, CausalLm.initWeights(c, 1), seqLen, DataType.FLOAT);
        Random r = new Random(1);
        int[][] ids = new int[batch][seqLen];
        int[][] next = new int[batch][seqLen];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seqLen; t++) {
                ids[b][t] = r.nextInt(c.vocabSize());
                next[b][t] = r.nextInt(c.vocabSize());
            }
        }
        DataSet ds = new DataSet(Nd4j.createFromArray(ids), Nd4j.createFromArray(next), null,
                Nd4j.ones(DataType.FLOAT, batch, seqLen));
        Map<String, INDArray> params = lm.weights();
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(1e-4, 1, 1000, 0.1);
        ParameterOptimizer opt = new ParameterOptimizer(new Adam(schedule), schedule, 0.1, Set.copyOf(params.keySet()));
        int warmup = 3;
        double trainSeconds = 0;
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            CausalLm.LossAndGradients lg = lm.lossAndGradients(ds, params.keySet());
            ParameterOptimizer.clip(lg.gradients().values(), 1.0);
            opt.step(params, lg.gradients(), i);
            NativeMemory.reclaimIfDue();
            if (i >= warmup) {
                trainSeconds += (System.nanoTime() - t0) / 1e9;
            }
        }
        double fwdSeconds = 0;
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            lm.loss(ds);
            if (i >= warmup) {
                fwdSeconds += (System.nanoTime() - t0) / 1e9;
            }
        }
        double tokens = (double) batch * seqLen;
        double stepSec = trainSeconds / steps;
        double fwdSec = fwdSeconds / steps;
        double fwdFlops = forwardFlopsPerToken(c, seqLen) * tokens;
        double peak = sgemmPeak(batch * seqLen, hidden, Math.max(hidden, c.intermediateSize()), CausalLm.threads());
        double trainGflops = 3 * fwdFlops / stepSec / 1e9;
        double fwdGflops = fwdFlops / fwdSec / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden", hidden);
        m.put("layers", layers);
        m.put("heads", heads);
        m.put("kvHeads", kv);
        m.put("seqLen", seqLen);
        m.put("batch", batch);
        m.put("vocab", c.vocabSize());
        m.put("parameters", lm.parameterCount());
        m.put("timedSteps", steps);
        m.put("trainStepSeconds", round(stepSec));
        m.put("trainTokensPerSecond", Math.round(tokens / stepSec));
        m.put("forwardSeconds", round(fwdSec));
        m.put("forwardTokensPerSecond", Math.round(tokens / fwdSec));
        m.put("forwardGflopPerStep", round(fwdFlops / 1e9));
        m.put("trainGflopPerSecond", round(trainGflops));
        m.put("forwardGflopPerSecond", round(fwdGflops));
        m.put("sgemmPeakGflopPerSecond", round(peak));
        m.put("trainMfu", round(trainGflops / peak));
        m.put("forwardMfu", round(fwdGflops / peak));
        m.put("peakRssMiBSoFar", peakRssMiB());
        log.printf("[bench model] d=%d L=%d: train %.3f s/step (%,.0f tok/s, %.1f GFLOP/s, MFU %.0f%%), forward %,.0f tok/s "
                        + "(MFU %.0f%%), sgemm peak %.1f GFLOP/s, peak RSS %d MiB%n", hidden, layers, stepSec, tokens / stepSec,
                trainGflops, 100 * trainGflops / peak, tokens / fwdSec, 100 * fwdGflops / peak, peak, peakRssMiB());
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
