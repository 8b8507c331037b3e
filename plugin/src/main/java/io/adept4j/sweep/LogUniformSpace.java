package io.adept4j.sweep;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/** A learning rate between {@code lo} and {@code hi}, uniform in log space (Arbiter has only linear continuous spaces). */
public final class LogUniformSpace implements ParameterSpace<Double> {

    private final double lo;
    private final double hi;
    private int index = -1;

    public LogUniformSpace(double lo, double hi) {
        if (!(lo > 0 && hi > lo)) {
            throw new IllegalArgumentException("a log-uniform range needs 0 < lo < hi, got [" + lo + ", " + hi + "]");
        }
        this.lo = lo;
        this.hi = hi;
    }

    @Override
    public Double getValue(double[] input) {
        if (index < 0) {
            throw new IllegalStateException("indices not set");
        }
        double u = input[index];
        return Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
    }

    @Override
    public int numParameters() {
        return 1;
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        return Collections.singletonList(this);
    }

    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        return Collections.emptyMap();
    }

    @Override
    public boolean isLeaf() {
        return true;
    }

    @Override
    public void setIndices(int... indices) {
        if (indices == null || indices.length != 1) {
            throw new IllegalArgumentException("a log-uniform space takes exactly one index");
        }
        this.index = indices[0];
    }

    @Override
    public String toString() {
        return "LogUniformSpace(" + lo + ", " + hi + ")";
    }
}
