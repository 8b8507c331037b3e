/**
 * ADEPT Stage 1, what both model kinds share: a probe's result (ΔL per block when it is skipped on general text), the
 * placement of the copies (the K lowest ΔL, explicit positions, or LLaMA-Pro's uniform groups), the one check of K
 * ({@link io.adept4j.stage1.Placement#requireK}) and the expansion manifest (which blocks were copied, which tensors
 * train, where a fresh copy takes its importance from). Probing and expanding a concrete model live with its backend:
 * {@code samediff} for the language model, {@code graph} for DL4J graphs.
 */
package io.adept4j.stage1;
