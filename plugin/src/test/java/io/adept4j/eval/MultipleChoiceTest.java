package io.adept4j.eval;

import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.model.CausalLm;
import io.adept4j.model.LmConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Multiple-choice scoring: each choice's log-likelihood is the model's own loss on its tokens; bad files are named. */
class MultipleChoiceTest {

    @TempDir
    Path tmp;

    @Test
    void aChoicesLogLikelihoodIsMinusTheModelsLossOverItsTokens() {
        LmConfig cfg = new LmConfig(257, 32, 2, 2, 1, 16, 64, 32, 1e4, 1e-5, true, false, false,
                new ByteTokenizer().spec());
        CausalLm lm = CausalLm.build(cfg, CausalLm.initWeights(cfg, 3), 16, DataType.FLOAT);
        ByteTokenizer tok = new ByteTokenizer();
        // the second question is longer than the window: it loses tokens from its start
        List<MultipleChoice.Item> items = List.of(
                new MultipleChoice.Item("The cat", List.of("sat", "flew away"), 0, null),
                new MultipleChoice.Item("A long question, longer than sixteen bytes", List.of("no", "yes"), 1, null));
        double[] ll = MultipleChoice.logLikelihoods(lm, tok, items, 3);
        assertEquals(4, ll.length);
        int k = 0;
        for (MultipleChoice.Item item : items) {
            for (String choice : item.choices()) {
                int[] q = tok.encode(item.question());
                int[] c = tok.encode(" " + choice);
                int[] all = new int[q.length + c.length];
                System.arraycopy(q, 0, all, 0, q.length);
                System.arraycopy(c, 0, all, q.length, c.length);
                int from = Math.max(0, all.length - 17);
                int n = all.length - from - 1;                         // positions that predict a token
                float[][] ids = new float[1][16];
                float[][] next = new float[1][16];
                float[][] mask = new float[1][16];
                for (int p = 0; p < n; p++) {
                    ids[0][p] = all[from + p];
                    next[0][p] = all[from + p + 1];
                    mask[0][p] = p >= n - c.length ? 1 : 0;             // only the choice's tokens count
                }
                DataSet b = new DataSet(Nd4j.createFromArray(ids), Nd4j.createFromArray(next), null,
                        Nd4j.createFromArray(mask));
                io.adept4j.model.LmHead.Result r = lm.evaluate(b);
                assertEquals(c.length, r.tokens(), 0.0);
                assertEquals(-r.tokenLossSum(), ll[k], 1e-3 * Math.max(1, Math.abs(ll[k])),
                        item.question() + " / " + choice);
                k++;
            }
        }
        MultipleChoice.Result score = MultipleChoice.score(lm, tok, items, 3);
        assertEquals(2, score.items());
        double expected = ((ll[0] > ll[1] ? 1 : 0) + (ll[3] > ll[2] ? 1 : 0)) / 2.0;
        assertEquals(expected, score.accuracy(), 0.0);
    }

    @Test
    void badTaskFilesAreNamedWithTheLineAndTheFix() throws Exception {
        Path f = tmp.resolve("t.jsonl");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MultipleChoice.read(f)).getMessage()
                .contains("does not exist"));
        String good = "{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"answer\": 1}\n";
        String[][] cases = {
                {good + "{not json\n", "line 2 is not valid JSON"},
                {good + "{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"answer\": 2}\n", "answer in [0, 1]"},
                {"{\"question\": \"q\", \"choices\": \"a\", \"answer\": 0}\n", "line 1 needs \"question\""},
                {"\n", "holds no items"},
                {"{\"question\": \"\", \"choices\": [\"a\", \"b\"], \"answer\": 0}\n", "line 1: the question must be a non-empty text"},
                {"{\"question\": \"q\", \"choices\": [\"a\", \"\"], \"answer\": 0}\n", "line 1: every choice must be a non-empty text"},
        };
        for (String[] c : cases) {
            Files.writeString(f, c[0]);
            String msg = assertThrows(IllegalArgumentException.class, () -> MultipleChoice.read(f)).getMessage();
            assertTrue(msg.contains(c[1]) && msg.contains(f.toString()), msg);
        }
        Files.writeString(f, good);
        assertEquals(1, MultipleChoice.read(f).get(0).answer());
    }
}
