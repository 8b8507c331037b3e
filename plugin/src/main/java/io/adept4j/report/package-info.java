/**
 * Human-readable output: PNG charts drawn with Java2D (bars, lines, heat maps) and the self-contained HTML reports of
 * runs and sweeps.
 */
package io.adept4j.report;
