/**
 * ADEPT Stage 2: unit importance |w|·mean|∂L/∂w| on general data aggregated per unit (mean over a tensor, a neuron or an
 * element), the policies that turn it into learning-rate multipliers, the split-learning-rate {@code IUpdater} that
 * applies them to the update, the tuning settings with every default, and the decoupled-tuning loop for the SameDiff
 * language model. Policies, updater and settings are shared with the DL4J graph path.
 */
package io.adept4j.stage2;
