package io.adept4j.report;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A PNG heat map of one row of values per label (e.g. the LR multiplier of every unit of a tensor), each row resampled
 * to a fixed number of cells by averaging, on a blue (low) → white → red (high) scale between fixed bounds.
 */
public final class HeatMap {

    private HeatMap() {
    }

    /** One row: its label and values. */
    public record Row(String label, double[] values) {
    }

    public static void write(Path file, String title, List<Row> rows, double lo, double hi, String scaleNote)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        int cells = 128;
        int cell = 5;
        int rowH = 16;
        int left = 330;
        int top = 44;
        int w = left + cells * cell + 30;
        int h = top + Math.max(1, rows.size()) * rowH + 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, 12, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            int y = top + r * rowH;
            g.setColor(Color.BLACK);
            g.drawString(row.label(), 8, y + rowH - 4);
            double[] v = row.values();
            int n = Math.min(cells, Math.max(1, v.length));
            int width = cells * cell / n;
            for (int c = 0; c < n; c++) {
                int from = (int) ((long) c * v.length / n);
                int to = Math.max(from + 1, (int) ((long) (c + 1) * v.length / n));
                double sum = 0;
                for (int i = from; i < to && i < v.length; i++) {
                    sum += v[i];
                }
                g.setColor(colour((sum / (to - from) - lo) / (hi - lo)));
                g.fillRect(left + c * width, y + 1, width, rowH - 2);
            }
        }
        int y = top + rows.size() * rowH + 12;
        for (int c = 0; c < cells; c++) {
            g.setColor(colour(c / (cells - 1.0)));
            g.fillRect(left + c * cell, y, cell, 10);
        }
        g.setColor(Color.BLACK);
        g.drawString(String.format("%.2g", lo), left, y + 24);
        String hiLabel = String.format("%.2g", hi);
        g.drawString(hiLabel, left + cells * cell - g.getFontMetrics().stringWidth(hiLabel), y + 24);
        if (scaleNote != null) {
            g.drawString(scaleNote, 8, y + 10);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    /** 0 → blue, 0.5 → white, 1 → red (clamped). */
    static Color colour(double t) {
        double x = Double.isNaN(t) ? 0.5 : Math.max(0, Math.min(1, t));
        if (x < 0.5) {
            float f = (float) (x / 0.5);
            return new Color(0.23f + 0.77f * f, 0.45f + 0.55f * f, 0.75f + 0.25f * f);
        }
        float f = (float) ((x - 0.5) / 0.5);
        return new Color(1f - 0.1f * f, 1f - 0.7f * f, 1f - 0.7f * f);
    }
}
