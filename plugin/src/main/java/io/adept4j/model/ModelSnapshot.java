package io.adept4j.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's configuration and weights as one serialisable value, for shipping a model to other JVMs (Spark executors)
 * without shared storage. The configuration travels as the JSON of a model folder's {@code config.json}, the weights as
 * detached copies; {@link #build} makes an independent model of them.
 */
public final class ModelSnapshot implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String configJson;
    private final LinkedHashMap<String, INDArray> weights;
    private final int seqLen;
    private final String dataType;

    private ModelSnapshot(String configJson, LinkedHashMap<String, INDArray> weights, int seqLen, String dataType) {
        this.configJson = configJson;
        this.weights = weights;
        this.seqLen = seqLen;
        this.dataType = dataType;
    }

    /** The model as it is now (later training does not change the snapshot). */
    public static ModelSnapshot of(CausalLm model) {
        LinkedHashMap<String, INDArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : model.weights().entrySet()) {
            w.put(e.getKey(), e.getValue().dup());
        }
        try {
            return new ModelSnapshot(ModelStore.JSON.writeValueAsString(model.config()), w, model.seqLen(),
                    model.dataType().name());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("model configuration could not be written as JSON", e);
        }
    }

    /** A model of these weights; each call gives one that shares no array with the snapshot or another call's. */
    public CausalLm build() {
        try {
            LmConfig config = ModelStore.JSON.readValue(configJson, LmConfig.class);
            return CausalLm.build(config, weights, seqLen, DataType.valueOf(dataType));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("model configuration in the snapshot is not valid JSON", e);
        }
    }
}
