package io.adept4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Freezes and unfreezes SameDiff parameters. A frozen parameter becomes a constant: SameDiff computes no gradient for
 * it and keeps no updater state, and its value never changes in training (stack-notes.md §3.8).
 */
public final class Freezer {

    /** Trainable and frozen parameter counts (elements) of a graph. */
    public record Counts(long trainable, long frozen) {
        /** Share of parameters that are trainable. */
        public double trainableShare() {
            long all = trainable + frozen;
            return all == 0 ? 0 : (double) trainable / all;
        }
    }

    private Freezer() {
    }

    /** Freezes every trainable variable whose name matches; returns their names. */
    public static List<String> freeze(SameDiff sd, Predicate<String> names) {
        List<SDVariable> hit = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && names.test(v.name())) {
                hit.add(v);
            }
        }
        if (!hit.isEmpty()) {
            sd.convertToConstants(hit);
        }
        return hit.stream().map(SDVariable::name).toList();
    }

    /** Freezes the variables whose full name matches the regular expression. */
    public static List<String> freeze(SameDiff sd, String regex) {
        Pattern p = Pattern.compile(regex);
        return freeze(sd, n -> p.matcher(n).matches());
    }

    /** Makes the named constants trainable again. */
    public static void unfreeze(SameDiff sd, List<String> names) {
        for (String n : names) {
            SDVariable v = sd.getVariable(n);
            if (v == null) {
                throw new IllegalArgumentException("no variable named " + n);
            }
            if (v.getVariableType() == VariableType.CONSTANT) {
                sd.convertToVariable(v);
            }
        }
    }

    /**
     * Counts elements of trainable variables and of frozen ones among {@code parameterNames} (constants that are
     * parameters, as opposed to fixed constants such as masks).
     */
    public static Counts count(SameDiff sd, List<String> parameterNames) {
        long t = 0;
        long f = 0;
        for (String n : parameterNames) {
            SDVariable v = sd.getVariable(n);
            if (v == null) {
                throw new IllegalArgumentException("no variable named " + n);
            }
            long len = v.getArr().length();
            if (v.getVariableType() == VariableType.VARIABLE) {
                t += len;
            } else {
                f += len;
            }
        }
        return new Counts(t, f);
    }
}
