/** Programs to copy from: ADEPT on a saved DL4J graph with your own fit loop, and an Arbiter sweep from Java. */
package io.adept4j.samples;
