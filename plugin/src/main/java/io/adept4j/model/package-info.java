/**
 * The causal language model: a LLaMA-family transformer in SameDiff with Hugging Face tensor names (RMSNorm, rotary
 * positions with scaling, grouped-query attention, SwiGLU, optional biases and q/k norms), computed by default as direct
 * ND4J calls with a hand-written backward pass ({@code DirectPass}) over batch shards on parallel threads
 * ({@code BatchShards}), its configuration, the tensor archive and model folders. Knows nothing of ADEPT.
 */
package io.adept4j.model;
