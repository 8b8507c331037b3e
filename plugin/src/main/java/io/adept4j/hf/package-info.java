/**
 * Hugging Face checkpoints: safetensors read memory-mapped and written streaming, {@code config.json} of LLaMA, Qwen2
 * and Qwen3 mapped to the model's configuration (unsupported options refused by name), import and export of whole
 * model folders with their tokenizer. Knows nothing of ADEPT beyond carrying a model folder's manifest along.
 */
package io.adept4j.hf;
