package io.adept4j.report;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** A small PNG bar chart with optional error bars and highlighted bars, drawn with Java2D (works headless). */
public final class BarChart {

    private static final Color BAR = new Color(0x4C78A8);
    private static final Color HIGHLIGHT = new Color(0xE45756);

    private BarChart() {
    }

    /**
     * @param title       chart title
     * @param xLabel      label under the x axis
     * @param yLabel      label of the y axis
     * @param values      bar heights (may be negative)
     * @param errors      half-heights of error bars, or null
     * @param highlighted bar indices drawn in the highlight colour
     * @param legend      text explaining the highlight, or null
     */
    public static void write(Path file, String title, String xLabel, String yLabel, List<Double> values,
                             List<Double> errors, Set<Integer> highlighted, String legend) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = Math.max(640, 100 + 36 * values.size());
        int h = 360;
        int left = 90;
        int right = 20;
        int top = 50;
        int bottom = 60;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double max = 0;
        double min = 0;
        for (int i = 0; i < values.size(); i++) {
            double e = errors == null || Double.isNaN(errors.get(i)) ? 0 : errors.get(i);
            max = Math.max(max, values.get(i) + e);
            min = Math.min(min, values.get(i) - e);
        }
        if (max == min) {
            max = min + 1;
        }
        int plotH = h - top - bottom;
        int plotW = w - left - right;
        double scale = plotH / (max - min);
        int zeroY = top + (int) Math.round(max * scale);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, 12, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        if (legend != null) {
            g.setColor(HIGHLIGHT);
            g.fillRect(left, 32, 10, 10);
            g.setColor(Color.BLACK);
            g.drawString(legend, left + 14, 41);
        }
        g.setColor(Color.GRAY);
        for (int t = 0; t <= 4; t++) {
            double v = min + (max - min) * t / 4;
            int y = zeroY - (int) Math.round(v * scale);
            g.drawLine(left - 4, y, left + plotW, y);
            String label = String.format("%.3g", v);
            g.drawString(label, left - 8 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        g.setColor(Color.BLACK);
        g.drawLine(left, zeroY, left + plotW, zeroY);
        int slot = plotW / Math.max(1, values.size());
        for (int i = 0; i < values.size(); i++) {
            double v = values.get(i);
            int x = left + i * slot + slot / 6;
            int bw = Math.max(2, slot * 2 / 3);
            int y = zeroY - (int) Math.round(Math.max(v, 0) * scale);
            int bh = (int) Math.round(Math.abs(v) * scale);
            g.setColor(highlighted.contains(i) ? HIGHLIGHT : BAR);
            g.fillRect(x, y, bw, Math.max(1, bh));
            if (errors != null && !Double.isNaN(errors.get(i))) {
                int cx = x + bw / 2;
                int y1 = zeroY - (int) Math.round((v + errors.get(i)) * scale);
                int y2 = zeroY - (int) Math.round((v - errors.get(i)) * scale);
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1.2f));
                g.drawLine(cx, y1, cx, y2);
                g.drawLine(cx - 3, y1, cx + 3, y1);
                g.drawLine(cx - 3, y2, cx + 3, y2);
            }
            g.setColor(Color.BLACK);
            g.drawString(Integer.toString(i), x + bw / 2 - 4, h - bottom + 16);
        }
        g.drawString(xLabel, left + plotW / 2 - 30, h - 16);
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(top + plotH / 2 + g.getFontMetrics().stringWidth(yLabel) / 2), 16);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }
}
