package io.adept4j.tests;

import io.adept4j.stage2.SplitLearningRateGradientUpdater;
import io.adept4j.stage2.SplitLearningRateUpdater;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The split-learning-rate updater inside DL4J's updater blocks: equal updater configs merge layers into one block whose
 * updater sees one flattened gradient view, so multipliers are set over that view using the block's parameter offsets.
 */
class SplitLrDl4jTest {

    @Test
    void aZeroMaskOnOneLayersWeightsInsideAMergedBlockFreezesExactlyThem() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new SplitLearningRateUpdater(new Adam(1e-2))).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(5).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet ds = new DataSet(Nd4j.linspace(-1, 1, 24, DataType.FLOAT).reshape(6, 4),
                Nd4j.linspace(1, 2, 12, DataType.FLOAT).reshape(6, 2));
        net.fit(ds); // initialises the updater
        List<UpdaterBlock> blocks = ((BaseMultiLayerUpdater<?>) net.getUpdater()).getUpdaterBlocks();
        assertEquals(1, blocks.size(), "equal configs merge into one block");
        UpdaterBlock block = blocks.get(0);
        SplitLearningRateGradientUpdater gu = (SplitLearningRateGradientUpdater) block.getGradientUpdater();
        INDArray mask = Nd4j.ones(DataType.FLOAT, 1, block.getParamOffsetEnd() - block.getParamOffsetStart());
        for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
            if (ps.getLayer() == net.getLayer(0) && ps.getParamName().equals("W")) {
                int from = ps.getParamOffsetStart() - block.getParamOffsetStart();
                int to = ps.getParamOffsetEnd() - block.getParamOffsetStart();
                mask.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)).assign(0);
            }
        }
        gu.setMultipliers(mask);
        INDArray w0 = net.getLayer(0).getParam("W").dup();
        INDArray b0 = net.getLayer(0).getParam("b").dup();
        INDArray w1 = net.getLayer(1).getParam("W").dup();
        for (int i = 0; i < 3; i++) {
            net.fit(ds);
        }
        assertEquals(w0, net.getLayer(0).getParam("W"), "layer 0 weights frozen by their multipliers");
        assertNotEquals(b0, net.getLayer(0).getParam("b"), "layer 0 bias still trains");
        assertNotEquals(w1, net.getLayer(1).getParam("W"), "layer 1 still trains");
    }
}
