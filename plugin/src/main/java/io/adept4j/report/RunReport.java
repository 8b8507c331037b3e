package io.adept4j.report;

import io.adept4j.run.AdeptRun;
import io.adept4j.stage1.ProbeResult;
import io.adept4j.train.Pretrainer.Point;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The human side of an {@code adept run}: the comparison table (printed and in HTML), the quality goals checked against
 * the measured numbers, the charts (ΔL per block, curves per method, forgetting vs learning, LR multipliers) and a
 * self-contained {@code report.html} that embeds them.
 */
public final class RunReport {

    /** One quality goal of the main job and whether this run met it ({@code null}: the methods it needs did not run). */
    public record Goal(String goal, Boolean met, String measured) {
    }

    private RunReport() {
    }

    /** The comparison table as fixed-width text. */
    public static String table(AdeptRun.Result r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-16s %9s %8s %11s %9s %11s %9s %8s %8s %8s %9s%n", "method", "trainable",
                "share", "general ppl", "change", "domain ppl", "change", "gen top1", "shift", "train s", "tok/s"));
        for (AdeptRun.MethodResult m : r.methods()) {
            b.append(String.format(Locale.ROOT, "%-16s %9d %7.1f%% %11.1f %+8.1f%% %11.1f %+8.1f%% %7.1f%% %7.1f%% %8.1f %9.0f%n",
                    m.method(), m.trainableParameters(), 100 * m.trainableShare(), m.generalPerplexityAfter(),
                    100 * m.generalPerplexityChange(), m.domainPerplexityAfter(), 100 * m.domainPerplexityChange(),
                    100 * m.generalTop1After(), 100 * m.generalTop1Shift(), m.trainSeconds(), m.tokensPerSecond()));
        }
        AdeptRun.MethodResult first = r.methods().get(0);
        b.append(String.format(Locale.ROOT, "%-16s %9s %8s %11.1f %9s %11.1f %9s %7.1f%%%n", "(base)", "", "",
                first.generalPerplexityBefore(), "", first.domainPerplexityBefore(), "", 100 * first.generalTop1Before()));
        return b.toString();
    }

    /** The main job's quality goals, checked on this run's numbers. */
    public static List<Goal> goals(AdeptRun.Result r) {
        Map<String, AdeptRun.MethodResult> m = new LinkedHashMap<>();
        r.methods().forEach(x -> m.put(x.method(), x));
        AdeptRun.MethodResult adept = m.get("adept");
        AdeptRun.MethodResult full = m.get("full");
        AdeptRun.MethodResult pro = m.get("llama-pro");
        List<Goal> goals = new ArrayList<>();
        if (adept != null && full != null) {
            double ratio = full.generalPerplexityChange() > 0 ? adept.generalPerplexityChange() / full.generalPerplexityChange() : Double.NaN;
            goals.add(new Goal("ADEPT's general-perplexity increase <= 25% of full CPT's",
                    full.generalPerplexityChange() > 0 && adept.generalPerplexityChange() <= 0.25 * full.generalPerplexityChange(),
                    String.format(Locale.ROOT, "%+.1f%% vs %+.1f%% (ratio %.2f)", 100 * adept.generalPerplexityChange(),
                            100 * full.generalPerplexityChange(), ratio)));
            goals.add(new Goal("ADEPT's domain perplexity within 10% of full CPT's",
                    adept.domainPerplexityAfter() <= 1.10 * full.domainPerplexityAfter(),
                    String.format(Locale.ROOT, "%.1f vs %.1f (%+.1f%%)", adept.domainPerplexityAfter(),
                            full.domainPerplexityAfter(), 100 * (adept.domainPerplexityAfter() / full.domainPerplexityAfter() - 1))));
            goals.add(new Goal("ADEPT's training time <= 50% of full CPT's, <= 20% of parameters trainable",
                    adept.trainSeconds() <= 0.5 * full.trainSeconds() && adept.trainableShare() <= 0.20,
                    String.format(Locale.ROOT, "%.1f s vs %.1f s (%.0f%%); %.1f%% trainable", adept.trainSeconds(),
                            full.trainSeconds(), 100 * adept.trainSeconds() / full.trainSeconds(), 100 * adept.trainableShare())));
        }
        if (adept != null && pro != null) {
            goals.add(new Goal("ADEPT's domain perplexity better than LLaMA-Pro's at equal or better general retention",
                    adept.domainPerplexityAfter() < pro.domainPerplexityAfter()
                            && adept.generalPerplexityAfter() <= pro.generalPerplexityAfter(),
                    String.format(Locale.ROOT, "domain %.1f vs %.1f, general %.1f vs %.1f", adept.domainPerplexityAfter(),
                            pro.domainPerplexityAfter(), adept.generalPerplexityAfter(), pro.generalPerplexityAfter())));
        }
        for (String ablation : List.of("adept-no-stage1", "adept-no-stage2")) {
            AdeptRun.MethodResult a = m.get(ablation);
            if (adept != null && a != null) {
                boolean worse = a.generalPerplexityAfter() > adept.generalPerplexityAfter()
                        || a.domainPerplexityAfter() > adept.domainPerplexityAfter();
                goals.add(new Goal(ablation + " worse than ADEPT on at least one axis", worse,
                        String.format(Locale.ROOT, "general %.1f vs %.1f, domain %.1f vs %.1f", a.generalPerplexityAfter(),
                                adept.generalPerplexityAfter(), a.domainPerplexityAfter(), adept.domainPerplexityAfter())));
            }
        }
        return goals;
    }

    /** Writes the charts and report.html into {@code dir}; returns the chart files. */
    public static List<Path> write(Path dir, AdeptRun.Result r, String title) throws IOException {
        Files.createDirectories(dir);
        List<Path> charts = new ArrayList<>();
        ProbeResult probe = r.probe();
        AdeptRun.MethodResult adept = r.methods().stream().filter(x -> x.method().equals("adept")).findFirst().orElse(null);
        Path probePng = dir.resolve("probe.png");
        BarChart.write(probePng, "Loss increase when a block is skipped (general probe)", "block", "ΔL (nats)",
                probe.layers().stream().map(ProbeResult.Layer::deltaLoss).toList(),
                probe.layers().stream().map(ProbeResult.Layer::stdErr).toList(),
                adept == null ? java.util.Set.of() : new HashSet<>(adept.copiedBlocks()), "copied by ADEPT (K=" + r.k() + ")");
        charts.add(probePng);
        for (String corpus : List.of("general", "domain")) {
            List<LineChart.Series> series = new ArrayList<>();
            for (AdeptRun.MethodResult m : r.methods()) {
                List<Point> curve = corpus.equals("general") ? m.training().generalCurve() : m.training().domainCurve();
                series.add(new LineChart.Series(m.method(), curve.stream().map(p -> (double) p.step()).toList(),
                        curve.stream().map(p -> Math.exp(p.loss())).toList()));
            }
            Path png = dir.resolve("curves-" + corpus + ".png");
            LineChart.write(png, (corpus.equals("general") ? "General" : "Domain") + " validation perplexity while training",
                    "step", "perplexity", series, false, false);
            charts.add(png);
        }
        List<LineChart.Series> points = new ArrayList<>();
        for (AdeptRun.MethodResult m : r.methods()) {
            points.add(new LineChart.Series(m.method(), List.of(100 * m.generalPerplexityChange()),
                    List.of(100 * m.domainPerplexityChange())));
        }
        Path scatter = dir.resolve("forgetting-vs-learning.png");
        LineChart.write(scatter, "Forgetting vs learning (lower-left is better)", "general perplexity change (%)",
                "domain perplexity change (%)", points, true, true);
        charts.add(scatter);
        if (adept != null && !adept.training().finalMultipliers().isEmpty()) {
            List<HeatMap.Row> rows = new ArrayList<>();
            adept.training().finalMultipliers().forEach((t, v) -> rows.add(new HeatMap.Row(t, v)));
            Path heat = dir.resolve("lr-multipliers.png");
            HeatMap.write(heat, "ADEPT learning-rate multiplier per unit (last refresh)", rows, 0, 2,
                    "blue: general-critical (low LR), red: domain-adaptive (high LR)");
            charts.add(heat);
        }
        Files.writeString(dir.resolve("report.html"), html(r, title, charts), StandardCharsets.UTF_8);
        return charts;
    }

    private static String html(AdeptRun.Result r, String title, List<Path> charts) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title><style>")
                .append("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}")
                .append("table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
                .append("th{background:#f3f3f3}td:first-child{text-align:left}.ok{color:#2a7}.no{color:#c33}img{max-width:100%}")
                .append("</style></head><body>");
        b.append("<h1>").append(esc(title)).append("</h1>");
        AdeptRun.MethodResult first = r.methods().get(0);
        b.append(String.format(Locale.ROOT, "<p>Base model: %s (%s), %,d parameters, %d blocks, d=%d. Before training: general "
                        + "perplexity %.1f, domain perplexity %.1f. K=%d. Wall time of the whole run: %.0f s.</p>",
                esc(r.base().dir()), esc(r.base().source()), r.base().parameters(), r.base().layers(), r.base().hidden(),
                first.generalPerplexityBefore(), first.domainPerplexityBefore(), r.k(), r.wallSeconds()));
        b.append("<h2>Comparison</h2><table><tr><th>method</th><th>trainable</th><th>share</th><th>general ppl</th><th>change</th>"
                + "<th>domain ppl</th><th>change</th><th>general top-1</th><th>domain top-1</th><th>general top-1 shift</th>"
                + "<th>train s</th><th>tokens/s</th><th>blocks trained</th></tr>");
        for (AdeptRun.MethodResult m : r.methods()) {
            b.append(String.format(Locale.ROOT, "<tr><td title=\"%s\">%s</td><td>%,d</td><td>%.1f%%</td><td>%.1f</td><td>%+.1f%%</td>"
                            + "<td>%.1f</td><td>%+.1f%%</td><td>%.1f%%</td><td>%.1f%%</td><td>%.1f%%</td><td>%.1f</td><td>%.0f</td><td>%s</td></tr>",
                    esc(m.description()), esc(m.method()), m.trainableParameters(), 100 * m.trainableShare(),
                    m.generalPerplexityAfter(), 100 * m.generalPerplexityChange(), m.domainPerplexityAfter(),
                    100 * m.domainPerplexityChange(), 100 * m.generalTop1After(), 100 * m.domainTop1After(),
                    100 * m.generalTop1Shift(), m.trainSeconds(), m.tokensPerSecond(),
                    m.trainedBlocks().size() == r.base().layers() + m.copiedBlocks().size() ? "all" : m.trainedBlocks().toString()));
        }
        b.append("</table><p>Shift = share of validation tokens whose top-1 prediction changed from the base model's.</p>");
        b.append("<h2>Quality goals (measured on this run)</h2><ul>");
        for (Goal g : goals(r)) {
            boolean met = Boolean.TRUE.equals(g.met());
            b.append("<li class=\"").append(met ? "ok" : "no").append("\"><b>").append(met ? "met" : "not met")
                    .append("</b>: ").append(esc(g.goal())).append(" — ").append(esc(g.measured())).append("</li>");
        }
        b.append("</ul><h2>Methods</h2><ul>");
        for (AdeptRun.MethodResult m : r.methods()) {
            b.append("<li><b>").append(esc(m.method())).append("</b>: ").append(esc(m.description())).append("</li>");
        }
        b.append("</ul><h2>Charts</h2>");
        for (Path c : charts) {
            b.append("<p><img alt=\"").append(esc(c.getFileName().toString())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(Files.readAllBytes(c))).append("\"></p>");
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
