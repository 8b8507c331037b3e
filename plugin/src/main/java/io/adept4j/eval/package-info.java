/**
 * Measuring a language model on windows: mean token loss and perplexity, top-1 accuracy and prediction shift against
 * another model, and the unigram baseline a base model must beat.
 */
package io.adept4j.eval;
