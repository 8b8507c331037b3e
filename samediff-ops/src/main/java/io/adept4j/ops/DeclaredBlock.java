package io.adept4j.ops;

import java.util.List;
import java.util.Objects;

/**
 * A residual block of a SameDiff graph, declared by the graph's builder: the block reads the residual stream from
 * {@code inputVariable} and writes it to {@code outputVariable}; {@code memberVariables} are the parameters that belong
 * to it, and {@code outputProjections} the subset whose zeroing makes the block an identity map (its residual branches
 * then add nothing). Graph surgery (bypass, clone, freeze) works from this declaration only.
 *
 * @param index             position of the block in the stack
 * @param prefix            common name prefix of its variables, e.g. {@code model.layers.3.}
 * @param inputVariable     residual stream entering the block
 * @param outputVariable    residual stream leaving the block
 * @param memberVariables   parameter variables of the block
 * @param outputProjections parameters that write into the residual stream (zeroed in a function-preserving copy)
 */
public record DeclaredBlock(int index, String prefix, String inputVariable, String outputVariable,
                            List<String> memberVariables, List<String> outputProjections) {

    public DeclaredBlock {
        Objects.requireNonNull(inputVariable, "inputVariable");
        Objects.requireNonNull(outputVariable, "outputVariable");
        memberVariables = List.copyOf(memberVariables);
        outputProjections = List.copyOf(outputProjections);
        if (!memberVariables.containsAll(outputProjections)) {
            throw new IllegalArgumentException("block " + index + ": output projections " + outputProjections
                    + " must be member variables " + memberVariables);
        }
    }
}
