package io.adept4j.sweep;

import java.io.Serializable;
import java.util.Map;

/**
 * What one sweep candidate measured (ADEPT with its values): general and domain validation loss before and after,
 * their perplexity changes, time, and where its full {@code result.json} is. {@code reused}: found finished on disk by a
 * resumed sweep instead of being run again. {@code error}: why it failed, or null.
 */
public record CandidateOutcome(int index, String key, Map<String, Object> params, double generalLossBefore,
                               double generalLossAfter, double domainLossBefore, double domainLossAfter,
                               double generalPerplexityChange, double domainPerplexityChange, double seconds,
                               String resultFile, boolean reused, String error) implements Serializable {
}
