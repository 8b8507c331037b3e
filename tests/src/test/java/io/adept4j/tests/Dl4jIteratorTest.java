package io.adept4j.tests;

import io.adept4j.datavec.corpus.CorpusReader;
import io.adept4j.datavec.corpus.Document;
import io.adept4j.datavec.tokenize.ByteTokenizer;
import io.adept4j.datavec.window.BatchLayout;
import io.adept4j.datavec.window.NextTokenDataSetIterator;
import io.adept4j.datavec.window.TokenWindows;
import io.adept4j.datavec.window.WindowSpec;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DL4J layout of the next-token iterator feeds a real DL4J network (embedding → RNN output layer), masks and all. */
class Dl4jIteratorTest {

    @Test
    void aMultiLayerNetworkLearnsFromTheIterator() {
        List<Document> docs = CorpusReader.read(CliTest.corpora().resolve("general.jsonl.gz")).documents().subList(0, 3);
        ByteTokenizer tok = new ByteTokenizer();
        TokenWindows w = TokenWindows.build("general", docs, tok, WindowSpec.perDocument(32));
        NextTokenDataSetIterator it = new NextTokenDataSetIterator(w, 8, BatchLayout.DL4J_RNN, tok.vocabSize(), true, 1);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-2)).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(tok.vocabSize()).nOut(16).inputLength(32)
                        .outputDataFormat(RNNFormat.NCW).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nIn(16).nOut(tok.vocabSize()).dataFormat(RNNFormat.NCW).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet first = it.next();
        double before = net.score(first);
        for (int i = 0; i < 30; i++) {
            if (!it.hasNext()) {
                it.reset();
            }
            net.fit(it.next());
        }
        double after = net.score(first);
        assertTrue(after < before - 0.5, "DL4J score " + before + " -> " + after);
    }
}
