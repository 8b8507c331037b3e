package io.adept4j.graph;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A small family of residual networks built from DL4J layers, for samples and tests: an input projection
 * {@code embed}, then blocks {@code b{i}_fc} (Dense, tanh) → {@code b{i}_out} (Dense, identity: the output projection)
 * added back to the stream by {@code b{i}_add}, then a softmax {@code out}. {@link GraphBlocks#find} recognises the
 * blocks without declarations.
 */
public final class ResidualGraphs {

    /** Name of the input. */
    public static final String INPUT = "in";
    /** Name of the input projection. */
    public static final String EMBED = "embed";
    /** Name of the output layer. */
    public static final String OUTPUT = "out";

    private ResidualGraphs() {
    }

    /**
     * A residual MLP classifier.
     *
     * @param nIn     input features
     * @param width   residual stream width
     * @param hidden  width inside each block
     * @param blocks  residual blocks
     * @param classes softmax outputs
     * @param updater the updater of every layer
     * @param seed    initialisation seed
     */
    public static ComputationGraph residualMlp(int nIn, int width, int hidden, int blocks, int classes, IUpdater updater,
                                               long seed) {
        if (nIn < 1 || width < 1 || hidden < 1 || blocks < 1 || classes < 2) {
            throw new IllegalArgumentException("residual MLP needs positive sizes, at least one block and two classes");
        }
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs(INPUT)
                .addLayer(EMBED, new DenseLayer.Builder().nIn(nIn).nOut(width).activation(Activation.IDENTITY).build(), INPUT);
        String stream = EMBED;
        for (int i = 0; i < blocks; i++) {
            String p = "b" + i + "_";
            g.addLayer(p + "fc", new DenseLayer.Builder().nIn(width).nOut(hidden).activation(Activation.TANH).build(), stream)
                    .addLayer(p + "out", new DenseLayer.Builder().nIn(hidden).nOut(width).activation(Activation.IDENTITY).build(),
                            p + "fc")
                    .addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), stream, p + "out");
            stream = p + "add";
        }
        g.addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(classes)
                .activation(Activation.SOFTMAX).build(), stream).setOutputs(OUTPUT);
        ComputationGraph cg = new ComputationGraph(g.build());
        cg.init();
        return cg;
    }

    /**
     * A transformer-style sequence classifier from DL4J layers, with parallel blocks (GPT-J / PaLM style): input
     * {@code [batch, nIn, T]} → {@code embed} (1×1 convolution) → blocks {@code b{i}_add = x + b{i}_attn(x) +
     * b{i}_proj(tanh(b{i}_fc(x)))}, where {@code b{i}_attn} is DL4J's multi-head {@code SelfAttentionLayer} (a
     * {@code SameDiffLayer}) with an output projection {@code Wo} and the MLP is two 1×1 convolutions → mean over time
     * → softmax {@code out}. Zeroing {@code Wo} and {@code b{i}_proj} makes a block the identity
     * ({@link OutputProjections}).
     *
     * @param heads attention heads; must divide width
     */
    public static ComputationGraph parallelTransformer(int nIn, int width, int heads, int ffHidden, int blocks, int classes,
                                                       IUpdater updater, long seed) {
        if (nIn < 1 || width < 1 || ffHidden < 1 || blocks < 1 || classes < 2 || heads < 1 || width % heads != 0) {
            throw new IllegalArgumentException("transformer needs positive sizes, heads dividing width (" + width + "/"
                    + heads + "), at least one block and two classes");
        }
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs(INPUT)
                .setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.recurrent(nIn))
                .addLayer(EMBED, conv1x1(nIn, width, Activation.IDENTITY), INPUT);
        String stream = EMBED;
        for (int i = 0; i < blocks; i++) {
            String p = "b" + i + "_";
            g.addLayer(p + "attn", new org.deeplearning4j.nn.conf.layers.SelfAttentionLayer.Builder().nIn(width).nOut(width)
                            .nHeads(heads).headSize(width / heads).projectInput(true).build(), stream)
                    .addLayer(p + "fc", conv1x1(width, ffHidden, Activation.TANH), stream)
                    .addLayer(p + "proj", conv1x1(ffHidden, width, Activation.IDENTITY), p + "fc")
                    .addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), stream, p + "attn", p + "proj");
            stream = p + "add";
        }
        g.addLayer("pool", new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                        org.deeplearning4j.nn.conf.layers.PoolingType.AVG).build(), stream)
                .addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(classes)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs(OUTPUT);
        ComputationGraph cg = new ComputationGraph(g.build());
        cg.init();
        return cg;
    }

    private static org.deeplearning4j.nn.conf.layers.Convolution1DLayer conv1x1(int nIn, int nOut, Activation act) {
        return new org.deeplearning4j.nn.conf.layers.Convolution1DLayer.Builder().kernelSize(1).nIn(nIn).nOut(nOut)
                .activation(act).build();
    }
}
