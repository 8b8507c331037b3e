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

/**
 * A small PNG chart of named series, as connected lines (curves over steps) or as labelled points (a scatter such as
 * forgetting vs learning), drawn with Java2D (works headless).
 */
public final class LineChart {

    /** Colours of successive series (Tableau 10). */
    static final Color[] PALETTE = {new Color(0x4C78A8), new Color(0xE45756), new Color(0x54A24B), new Color(0xF58518),
            new Color(0xB279A2), new Color(0x72B7B2), new Color(0x9D755D), new Color(0xBAB0AC)};

    /** One series: its name and points, and optionally a label per point (scatter mode; else the name). */
    public record Series(String name, List<Double> x, List<Double> y, List<String> labels) {
        public Series {
            if (x.size() != y.size() || (labels != null && labels.size() != x.size())) {
                throw new IllegalArgumentException("series " + name + " has " + x.size() + " x values, " + y.size()
                        + " y values and " + (labels == null ? "no" : labels.size()) + " labels");
            }
        }

        public Series(String name, List<Double> x, List<Double> y) {
            this(name, x, y, null);
        }
    }

    private LineChart() {
    }

    /**
     * @param points true: each point drawn as a dot labelled with its series name (scatter); false: lines
     * @param zeroLines draw x = 0 and y = 0 when inside the range (useful for relative changes)
     */
    public static void write(Path file, String title, String xLabel, String yLabel, List<Series> series, boolean points,
                             boolean zeroLines) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 720;
        int h = 400;
        int left = 90;
        boolean legend = !points || series.stream().anyMatch(x -> x.labels() != null);
        int right = legend ? 170 : 30;
        int top = 40;
        int bottom = 55;
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().size(); i++) {
                if (Double.isFinite(s.x().get(i)) && Double.isFinite(s.y().get(i))) {
                    minX = Math.min(minX, s.x().get(i));
                    maxX = Math.max(maxX, s.x().get(i));
                    minY = Math.min(minY, s.y().get(i));
                    maxY = Math.max(maxY, s.y().get(i));
                }
            }
        }
        if (!(minX <= maxX)) {
            minX = 0;
            maxX = 1;
            minY = 0;
            maxY = 1;
        }
        if (zeroLines) {
            minX = Math.min(minX, 0);
            minY = Math.min(minY, 0);
            maxX = Math.max(maxX, 0);
            maxY = Math.max(maxY, 0);
        }
        double padX = (maxX - minX) * 0.06 + (maxX == minX ? 1 : 0);
        double padY = (maxY - minY) * 0.08 + (maxY == minY ? 1 : 0);
        minX -= points ? padX : 0;
        maxX += points ? padX : 0;
        minY -= padY;
        maxY += padY;
        int plotW = w - left - right;
        int plotH = h - top - bottom;
        double fx0 = minX;
        double fx1 = maxX;
        double fy0 = minY;
        double fy1 = maxY;
        java.util.function.DoubleUnaryOperator px = v -> left + (v - fx0) / (fx1 - fx0) * plotW;
        java.util.function.DoubleUnaryOperator py = v -> top + (fy1 - v) / (fy1 - fy0) * plotH;

        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, 12, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(new Color(0xDDDDDD));
        for (int t = 0; t <= 4; t++) {
            double vy = minY + (maxY - minY) * t / 4;
            double vx = minX + (maxX - minX) * t / 4;
            int y = (int) py.applyAsDouble(vy);
            int x = (int) px.applyAsDouble(vx);
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(left, y, left + plotW, y);
            g.drawLine(x, top, x, top + plotH);
            g.setColor(Color.DARK_GRAY);
            String ly = String.format("%.3g", vy);
            g.drawString(ly, left - 6 - g.getFontMetrics().stringWidth(ly), y + 4);
            String lx = String.format("%.3g", vx);
            g.drawString(lx, x - g.getFontMetrics().stringWidth(lx) / 2, top + plotH + 15);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, plotW, plotH);
        if (zeroLines) {
            g.setColor(Color.GRAY);
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{4f, 4f}, 0f));
            g.drawLine((int) px.applyAsDouble(0), top, (int) px.applyAsDouble(0), top + plotH);
            g.drawLine(left, (int) py.applyAsDouble(0), left + plotW, (int) py.applyAsDouble(0));
            g.setStroke(new BasicStroke(1f));
        }
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            Color c = PALETTE[si % PALETTE.length];
            g.setColor(c);
            g.setStroke(new BasicStroke(2f));
            for (int i = 0; i < s.x().size(); i++) {
                int x = (int) px.applyAsDouble(s.x().get(i));
                int y = (int) py.applyAsDouble(s.y().get(i));
                if (points) {
                    g.fillOval(x - 5, y - 5, 10, 10);
                    g.drawString(s.labels() != null ? s.labels().get(i) : s.name(), x + 8, y - 6);
                } else {
                    if (i > 0) {
                        g.drawLine((int) px.applyAsDouble(s.x().get(i - 1)), (int) py.applyAsDouble(s.y().get(i - 1)), x, y);
                    }
                    g.fillOval(x - 2, y - 2, 5, 5);
                }
            }
            if (!points || s.labels() != null) {
                int ly = top + 14 + 16 * si;
                g.fillRect(left + plotW + 12, ly - 9, 12, 10);
                g.setColor(Color.BLACK);
                g.drawString(s.name(), left + plotW + 30, ly);
            }
        }
        g.setColor(Color.BLACK);
        g.drawString(xLabel, left + plotW / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, h - 14);
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(top + plotH / 2 + g.getFontMetrics().stringWidth(yLabel) / 2), 16);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }
}
