package io.adept4j.ops;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Graph surgery on a residual network built by hand in SameDiff (no transformer, nothing of ADEPT): blocks
 * {@code h + relu(h·W1)·W2} between a linear stem and a linear head with a squared-error loss.
 */
class ResidualSurgeryTest {

    static final int D = 6;

    static ResidualStack network(int blocks, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("stem.w", Nd4j.randn(DataType.DOUBLE, 4, D));
        for (int i = 0; i < blocks; i++) {
            w.put("block" + i + ".w1", Nd4j.randn(DataType.DOUBLE, D, 10).muli(0.7));
            w.put("block" + i + ".w2", Nd4j.randn(DataType.DOUBLE, 10, D).muli(0.7));
        }
        w.put("head.w", Nd4j.randn(DataType.DOUBLE, D, 2));
        return new ResidualStack(
                (sd, p) -> sd.placeHolder("x", DataType.DOUBLE, -1, 4).mmul(p.apply("stem.w")),
                (sd, in, p) -> in.add(sd.nn.relu(in.mmul(p.apply("w1")), 0).mmul(p.apply("w2"))),
                (sd, h, p) -> {
                    SDVariable y = sd.placeHolder("y", DataType.DOUBLE, -1, 2);
                    SDVariable out = h.mmul("out", p.apply("head.w"));
                    return sd.loss.meanSquaredError("loss", y, out, null);
                },
                "block%d.", blocks, w, List.of("w2"));
    }

    static final INDArray X = Nd4j.linspace(-1, 1, 32, DataType.DOUBLE).reshape(8, 4);
    static final INDArray Y = Nd4j.linspace(1, -1, 16, DataType.DOUBLE).reshape(8, 2);

    static double loss(SameDiff sd) {
        return sd.output(Map.of("x", X, "y", Y), "loss").get("loss").getDouble(0);
    }

    @Test
    void declaredBlocksNameTheirStreamAndMembers() {
        ResidualStack.Built b = network(3, 1).build();
        assertEquals(3, b.blocks().size());
        DeclaredBlock b1 = b.blocks().get(1);
        assertEquals(List.of("block1.w1", "block1.w2"), b1.memberVariables());
        assertEquals(List.of("block1.w2"), b1.outputProjections());
        assertEquals(b.blocks().get(0).outputVariable(), b1.inputVariable());
    }

    @Test
    void bypassingABlockEqualsRemovingItAndRestoresExactly() {
        ResidualStack net = network(4, 2);
        ResidualStack.Built b = net.build();
        double base = loss(b.sameDiff());
        for (int skip = 0; skip < 4; skip++) {
            double bypassed;
            try (BlockBypass off = BlockBypass.deactivate(b.sameDiff(), b.blocks().get(skip))) {
                bypassed = loss(b.sameDiff());
            }
            List<Integer> rest = new ArrayList<>(List.of(0, 1, 2, 3));
            rest.remove(Integer.valueOf(skip));
            double rebuilt = loss(net.restack(rest, Set.of()).build().sameDiff());
            assertEquals(rebuilt, bypassed, 1e-12, "block " + skip);
            assertNotEquals(base, bypassed, "block " + skip + " matters");
            assertEquals(base, loss(b.sameDiff()), 0.0, "restored bit for bit");
        }
    }

    @Test
    void insertedCopiesPreserveTheFunctionAndOnlyTheyTrain() {
        ResidualStack net = network(3, 3);
        Map.Entry<ResidualStack, List<Integer>> ex = net.insertCopiesAfter(Set.of(0, 2));
        assertEquals(List.of(1, 4), ex.getValue());
        ResidualStack.Built big = ex.getKey().build();
        SameDiff sd = big.sameDiff();
        Map<String, INDArray> ph = Map.of("x", X);
        INDArray before = net.build().sameDiff().output(ph, "out").get("out");
        assertEquals(before, sd.output(ph, "out").get("out"), "function preserved exactly");
        assertEquals(net.weights().get("block0.w1"), ex.getKey().weights().get("block1.w1"), "copy's input side copied");
        assertEquals(0.0, ex.getKey().weights().get("block1.w2").amaxNumber().doubleValue(), "copy's output zeroed");
        assertEquals(net.weights().get("block2.w1"), ex.getKey().weights().get("block3.w1"), "originals renumbered");

        List<String> params = new ArrayList<>(ex.getKey().weights().keySet());
        Freezer.freeze(sd, n -> !(n.startsWith("block1.") || n.startsWith("block4.")));
        Freezer.Counts counts = Freezer.count(sd, params);
        assertEquals(2 * (D * 10 + 10 * D), counts.trainable());
        assertTrue(counts.frozen() > counts.trainable());
        Map<String, INDArray> snapshot = new HashMap<>();
        for (String p : params) {
            snapshot.put(p, sd.getVariable(p).getArr().dup());
        }
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-2)).dataSetFeatureMapping("x")
                .dataSetLabelMapping("y").build());
        for (int i = 0; i < 3; i++) {
            sd.fit(new DataSet(X, Y));
        }
        for (String p : params) {
            boolean trainable = p.startsWith("block1.") || p.startsWith("block4.");
            INDArray now = sd.getVariable(p).getArr();
            if (trainable && p.endsWith("w2")) {
                assertNotEquals(snapshot.get(p), now, p + " trains");
            } else if (!trainable) {
                assertEquals(snapshot.get(p), now, p + " is frozen");
            }
        }
        Freezer.unfreeze(sd, List.of("block0.w1"));
        assertEquals(counts.trainable() + D * 10, Freezer.count(sd, params).trainable());
    }
}
