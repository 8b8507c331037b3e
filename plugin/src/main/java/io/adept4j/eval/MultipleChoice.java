package io.adept4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adept4j.datavec.tokenize.Tokenizer;
import io.adept4j.model.CausalLm;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Multiple-choice task accuracy, scored as lm-evaluation-harness scores such tasks: each choice is a continuation of
 * the question ({@code question + " " + choice}), scored by the sum of its tokens' log-likelihoods under the model; the
 * item counts as right when the answer scores highest ({@code accuracy}), or highest per character of the choice
 * ({@code accuracyNorm}, lm-eval's {@code acc_norm}). Standard errors are those of a mean of 0/1 outcomes.
 *
 * <p>A task file is JSON Lines, one item per line:
 * {@code {"question": "...", "choices": ["...", "..."], "answer": 0, "sourceSha256": "..."}} ({@code sourceSha256},
 * optional: the SHA-256 of the document the item was made from, so a run can keep that document out of training).
 */
public final class MultipleChoice {

    /**
     * One item: a question, its choices, and the index of the right one.
     *
     * @throws IllegalArgumentException for an empty question (the first token of a choice would have nothing to be
     *                                  predicted from), an empty choice, fewer than two choices or an answer out of
     *                                  range
     */
    public record Item(String question, List<String> choices, int answer, String sourceSha256) {
        public Item {
            if (question == null || question.isEmpty()) {
                throw new IllegalArgumentException("the question must be a non-empty text");
            }
            if (choices == null || choices.stream().anyMatch(c -> c == null || c.isEmpty())) {
                throw new IllegalArgumentException("every choice must be a non-empty text");
            }
            if (choices.size() < 2 || answer < 0 || answer >= choices.size()) {
                throw new IllegalArgumentException("needs at least two choices and an answer in [0, "
                        + (choices.size() - 1) + "], got " + choices.size() + " choices and answer " + answer);
            }
            choices = List.copyOf(choices);
        }
    }

    /**
     * Scores of one task.
     *
     * @param items              items scored
     * @param accuracy           share of items whose answer has the highest log-likelihood
     * @param accuracyStdErr     its standard error
     * @param accuracyNorm       the same with log-likelihoods per character of the choice
     * @param accuracyNormStdErr its standard error
     */
    public record Result(int items, double accuracy, double accuracyStdErr, double accuracyNorm,
                         double accuracyNormStdErr) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private MultipleChoice() {
    }

    /**
     * Reads a task file.
     *
     * @throws IllegalArgumentException naming the file, the line and the fix for a missing file, bad JSON, a missing
     *                                  field or an answer out of range
     */
    public static List<Item> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("task file " + file + " does not exist; give a JSON Lines file of "
                    + "{\"question\", \"choices\", \"answer\"} items");
        } catch (IOException e) {
            throw new IllegalArgumentException("task file " + file + " could not be read: " + e.getMessage());
        }
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(where + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (n == null || !n.isObject() || !n.path("question").isTextual() || !n.path("choices").isArray()
                    || !n.path("answer").canConvertToInt() || !n.path("answer").isIntegralNumber()) {
                throw new IllegalArgumentException(where + " needs \"question\" (text), \"choices\" (a list of texts) "
                        + "and \"answer\" (the index of the right choice)");
            }
            List<String> choices = new ArrayList<>();
            for (JsonNode c : n.get("choices")) {
                if (!c.isTextual()) {
                    throw new IllegalArgumentException(where + ": every choice must be a non-empty text");
                }
                choices.add(c.asText());
            }
            try { // the item's own checks, named with the line
                items.add(new Item(n.get("question").asText(), choices, n.get("answer").asInt(),
                        n.path("sourceSha256").isTextual() ? n.get("sourceSha256").asText() : null));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("task file " + file + " holds no items");
        }
        return items;
    }

    /** Scores {@code items} with {@code model} ({@code batchSize} sequences per forward pass). */
    public static Result score(CausalLm model, Tokenizer tokenizer, List<Item> items, int batchSize) {
        double[] logLik = logLikelihoods(model, tokenizer, items, batchSize);
        int right = 0;
        int rightNorm = 0;
        int o = 0;
        for (Item item : items) {
            int best = 0;
            int bestNorm = 0;
            for (int c = 1; c < item.choices().size(); c++) {
                if (logLik[o + c] > logLik[o + best]) {
                    best = c;
                }
                if (logLik[o + c] / item.choices().get(c).length()
                        > logLik[o + bestNorm] / item.choices().get(bestNorm).length()) {
                    bestNorm = c;
                }
            }
            right += best == item.answer() ? 1 : 0;
            rightNorm += bestNorm == item.answer() ? 1 : 0;
            o += item.choices().size();
        }
        int n = items.size();
        double acc = (double) right / n;
        double accNorm = (double) rightNorm / n;
        return new Result(n, acc, stdErr(acc, n), accNorm, stdErr(accNorm, n));
    }

    /**
     * The log-likelihood of every choice as the continuation of its question, item after item, choice after choice:
     * the sum over the choice's tokens of {@code log p(token | everything before it)}. A question and choice longer
     * than the model's window lose tokens from the question's start.
     */
    public static double[] logLikelihoods(CausalLm model, Tokenizer tokenizer, List<Item> items, int batchSize) {
        int t = model.seqLen();
        List<int[]> seqs = new ArrayList<>();   // the tokens of question + choice, cut to T + 1 from the left
        List<Integer> contLen = new ArrayList<>();
        for (Item item : items) {
            int[] q = tokenizer.encode(item.question());
            for (String choice : item.choices()) {
                int[] c = tokenizer.encode(" " + choice);
                int keep = Math.min(c.length, t);
                int[] all = new int[q.length + keep];
                System.arraycopy(q, 0, all, 0, q.length);
                System.arraycopy(c, 0, all, q.length, keep);
                int from = Math.max(0, all.length - (t + 1));
                seqs.add(java.util.Arrays.copyOfRange(all, from, all.length));
                contLen.add(keep);
            }
        }
        double[] logLik = new double[seqs.size()];
        for (int s0 = 0; s0 < seqs.size(); s0 += batchSize) {
            int n = Math.min(batchSize, seqs.size() - s0);
            int[][] ids = new int[batchSize][t]; // the last rows of a short final batch stay padding
            for (int b = 0; b < n; b++) {
                int[] seq = seqs.get(s0 + b);
                System.arraycopy(seq, 0, ids[b], 0, seq.length - 1);
            }
            INDArray logits = model.logits(Nd4j.createFromArray(ids)); // [B, T, V]
            for (int b = 0; b < n; b++) {
                int[] seq = seqs.get(s0 + b);
                double sum = 0;
                for (int k = seq.length - contLen.get(s0 + b); k < seq.length; k++) {
                    // position k − 1 predicts token k
                    INDArray row = logits.get(NDArrayIndex.point(b), NDArrayIndex.point(k - 1), NDArrayIndex.all())
                            .castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
                    double max = row.maxNumber().doubleValue();
                    double lse = max + Math.log(org.nd4j.linalg.ops.transforms.Transforms.exp(row.sub(max), false)
                            .sumNumber().doubleValue());
                    sum += row.getDouble(seq[k]) - lse;
                }
                logLik[s0 + b] = sum;
            }
        }
        return logLik;
    }

    /** Standard error of a mean of n 0/1 outcomes with mean p (sample standard deviation over √n). */
    static double stdErr(double p, int n) {
        return n < 2 ? Double.NaN : Math.sqrt(p * (1 - p) / (n - 1));
    }
}
