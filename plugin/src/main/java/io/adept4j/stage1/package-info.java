/**
 * ADEPT Stage 1 on the SameDiff language model: the layer probe (ΔL when a block is skipped, on general training text),
 * the placement of copies (lowest ΔL, explicit, or LLaMA-Pro's uniform), and the function-preserving expansion with
 * its manifest. Placement, probe result and manifest are shared with the DL4J graph path.
 */
package io.adept4j.stage1;
