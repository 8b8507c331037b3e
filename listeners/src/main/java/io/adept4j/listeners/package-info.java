/**
 * Training listeners for any SameDiff or DL4J loop, with no ADEPT in them: gradient-importance accumulation
 * (|w|·mean|∂L/∂w|), a general/domain perplexity monitor with a forgetting guard, progress with tokens/s and ETA,
 * and atomic folders for checkpoints that never replace files they did not write.
 */
package io.adept4j.listeners;
