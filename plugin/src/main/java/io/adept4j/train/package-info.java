/**
 * Training a language model, with no ADEPT in it: pretraining from scratch with warm-up and cosine decay, clipping,
 * periodic validation and exact resume, and the optimizer step shared with tuning (per-tensor updaters; decoupled
 * weight decay that follows any per-unit learning rates an updater has).
 */
package io.adept4j.train;
