package io.adept4j.report;

import io.adept4j.run.AdeptRun;
import io.adept4j.run.MethodSummary;
import io.adept4j.run.Methods;
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

    /** The comparison table as fixed-width text: one row per method, mean ± sd over its seeds. */
    public static String table(AdeptRun.Result r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-16s %5s %7s %16s %16s %10s %10s %8s%n", "method", "seeds", "share",
                "general ΔL nats", "domain ΔL nats", "gen ppl", "dom ppl", "train s"));
        for (MethodSummary m : r.summary()) {
            b.append(String.format(Locale.ROOT, "%-16s %5d %6.1f%% %16s %16s %+9.1f%% %+9.1f%% %8.1f%n", m.method(),
                    m.seeds().size(), 100 * m.trainableShare(), pm(m.generalLossChange(), 3), pm(m.domainLossChange(), 3),
                    100 * m.generalPerplexityChange().mean(), 100 * m.domainPerplexityChange().mean(),
                    m.trainSeconds().mean()));
        }
        AdeptRun.MethodResult first = r.methods().get(0);
        b.append(String.format(Locale.ROOT, "(base, seed %d: general ppl %.1f, domain ppl %.1f; ΔL = validation loss after − "
                        + "before, mean ± sd over seeds)%n", first.seed(), first.generalPerplexityBefore(),
                first.domainPerplexityBefore()));
        return b.toString();
    }

    /**
     * Multiple-choice task accuracy per method (mean over its seeds) beside the base's, as text; empty when the run
     * scored no task.
     */
    public static String tasks(AdeptRun.Result r) {
        if (r.tasks().isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-16s %-8s %6s %18s %18s%n", "task accuracy", "task", "items",
                "accuracy", "accuracy (norm)"));
        for (TaskRow t : taskRows(r)) {
            b.append(String.format(Locale.ROOT, "%-16s %-8s %6d %9.1f%% ± %4.1f %9.1f%% ± %4.1f%n", t.method(), t.task(),
                    t.items(), 100 * t.accuracy(), 100 * t.stdErr(), 100 * t.accuracyNorm(), 100 * t.stdErrNorm()));
        }
        b.append("(log-likelihood of each choice after the question, as lm-evaluation-harness; ± one standard error; "
                + "norm: per character of the choice)\n");
        return b.toString();
    }

    /** One row of the task table: a method's (or the base's) mean accuracy over its seeds on one task. */
    record TaskRow(String method, String task, int items, double accuracy, double stdErr, double accuracyNorm,
                   double stdErrNorm) {
    }

    static List<TaskRow> taskRows(AdeptRun.Result r) {
        Map<String, List<AdeptRun.TaskScore>> byKey = new java.util.LinkedHashMap<>();
        for (AdeptRun.TaskScore s : r.tasks()) {
            byKey.computeIfAbsent(s.method() + "\u0000" + s.task(), x -> new java.util.ArrayList<>()).add(s);
        }
        List<TaskRow> rows = new java.util.ArrayList<>();
        byKey.forEach((key, scores) -> {
            double acc = scores.stream().mapToDouble(s -> s.score().accuracy()).average().orElse(Double.NaN);
            double se = scores.stream().mapToDouble(s -> s.score().accuracyStdErr()).average().orElse(Double.NaN);
            double norm = scores.stream().mapToDouble(s -> s.score().accuracyNorm()).average().orElse(Double.NaN);
            double seNorm = scores.stream().mapToDouble(s -> s.score().accuracyNormStdErr()).average().orElse(Double.NaN);
            rows.add(new TaskRow(scores.get(0).method(), scores.get(0).task(), scores.get(0).score().items(), acc, se,
                    norm, seNorm));
        });
        return rows;
    }

    /** The learning-rate rule this run used, in words (HTML with the search's table, or one line of text). */
    public static String lrRule(AdeptRun.Result r, boolean html) {
        if (r.lrSearch().isEmpty()) {
            String rule = String.format(Locale.ROOT, "Learning-rate rule: every method trains with the same peak learning "
                    + "rate (%s, warm-up + cosine) and the same token budget; no per-method search.",
                    r.config().get("learningRate"));
            return html ? "<p>" + esc(rule) + "</p>" : rule;
        }
        AdeptRun.LrSearch first = r.lrSearch().get(0);
        String rule = String.format(Locale.ROOT, "Learning-rate rule: each method takes the rate of %s with the lowest "
                + "domain loss on pieces held out of the training side after %d steps (first seed); chosen: %s.",
                first.rates(), first.steps(), String.join(", ", r.lrSearch().stream()
                        .map(x -> x.method() + " " + x.chosen()).toList()));
        if (!html) {
            return rule;
        }
        StringBuilder b = new StringBuilder("<p>" + esc(rule) + "</p><table><tr><th>method</th>");
        first.rates().forEach(lr -> b.append("<th>lr ").append(lr).append(": domain / general loss</th>"));
        b.append("</tr>");
        for (AdeptRun.LrSearch x : r.lrSearch()) {
            b.append("<tr><td>").append(esc(x.method())).append("</td>");
            for (int i = 0; i < x.rates().size(); i++) {
                boolean pick = x.rates().get(i) == x.chosen();
                b.append(String.format(Locale.ROOT, "<td>%s%.3f / %.3f%s</td>", pick ? "<b>" : "", x.domainLoss().get(i),
                        x.generalLoss().get(i), pick ? "</b>" : ""));
            }
            b.append("</tr>");
        }
        return b.append("</table>").toString();
    }

    private static String pm(MethodSummary.Stat s, int digits) {
        String f = "%+." + digits + "f";
        return String.format(Locale.ROOT, f, s.mean()) + (s.values().size() > 1
                ? String.format(Locale.ROOT, " ± %." + digits + "f", s.sd()) : "");
    }

    /**
     * The main job's quality goals (ADEPT's trade-off, as the paper claims it), checked on the means over seeds of the
     * validation-loss changes in nats: domain learning close to full CPT's, forgetting far below it and no more than
     * LLaMA-Pro's, LLaMA-Pro Pareto-dominated, no baseline Pareto-dominating ADEPT, every ablation worse somewhere
     * (paired: against ADEPT on the ablation's own seeds), and half of full CPT's training time.
     */
    public static List<Goal> goals(AdeptRun.Result r) {
        List<Goal> goals = new ArrayList<>();
        for (String variant : ADEPT_VARIANTS) {
            goals.addAll(goals(r, variant));
        }
        return goals;
    }

    /** ADEPT as the paper runs it, and with replay (a legitimate configuration when it needs general data). */
    static final List<String> ADEPT_VARIANTS = List.of("adept", "adept-replay");

    private static List<Goal> goals(AdeptRun.Result r, String variant) {
        Map<String, MethodSummary> m = new LinkedHashMap<>();
        r.summary().forEach(x -> m.put(x.method(), x));
        MethodSummary adept = m.get(variant);
        List<Goal> goals = new ArrayList<>();
        if (adept == null) {
            return goals;
        }
        String me = variant.equals("adept") ? "ADEPT" : "ADEPT with replay";
        double ag = adept.generalLossChange().mean();
        double ad = adept.domainLossChange().mean();
        MethodSummary full = m.get("full");
        MethodSummary pro = m.get("llama-pro");
        if (full != null) {
            double fd = full.domainLossChange().mean();
            goals.add(new Goal(me + ": domain loss reduction >= 0.8 x full CPT's", fd < 0 && ad <= 0.8 * fd,
                    String.format(Locale.ROOT, "%+.3f vs %+.3f nats (ratio %.2f)", ad, fd, ad / fd)));
            double fg = full.generalLossChange().mean();
            goals.add(new Goal(me + ": general loss increase <= 0.25 x full CPT's", fg > 0 && ag <= 0.25 * fg,
                    String.format(Locale.ROOT, "%+.3f vs %+.3f nats (ratio %.2f)", ag, fg, ag / fg)));
            goals.add(new Goal(me + ": training time <= 0.5 x full CPT's",
                    adept.trainSeconds().mean() <= 0.5 * full.trainSeconds().mean(),
                    String.format(Locale.ROOT, "%.1f s vs %.1f s (%.2f x); %.1f%% of parameters trainable",
                            adept.trainSeconds().mean(), full.trainSeconds().mean(),
                            adept.trainSeconds().mean() / full.trainSeconds().mean(), 100 * adept.trainableShare())));
        }
        if (pro != null) {
            double pg = pro.generalLossChange().mean();
            double pd = pro.domainLossChange().mean();
            goals.add(new Goal(me + ": general loss increase <= LLaMA-Pro's", ag <= pg,
                    String.format(Locale.ROOT, "%+.3f vs %+.3f nats", ag, pg)));
            goals.add(new Goal(me + " Pareto-dominates LLaMA-Pro (more domain learning, no more forgetting)",
                    ad < pd && ag <= pg, String.format(Locale.ROOT, "domain %+.3f vs %+.3f, general %+.3f vs %+.3f nats",
                    ad, pd, ag, pg)));
        }
        List<String> dominating = new ArrayList<>();
        List<String> baselines = new ArrayList<>();
        for (MethodSummary b : r.summary()) {
            if (ADEPT_VARIANTS.contains(b.method()) || Methods.get(b.method()).ablation()) {
                continue;
            }
            baselines.add(b.method());
            if (b.generalLossChange().mean() <= ag && b.domainLossChange().mean() <= ad) {
                dominating.add(String.format(Locale.ROOT, "%s (general %+.3f, domain %+.3f)", b.method(),
                        b.generalLossChange().mean(), b.domainLossChange().mean()));
            }
        }
        if (!baselines.isEmpty()) {
            goals.add(new Goal("no baseline Pareto-dominates " + me, dominating.isEmpty(), dominating.isEmpty()
                    ? "none of " + baselines + " is at least as good on both axes"
                    : "dominated by " + String.join(", ", dominating)));
        }
        if (variant.equals("adept")) {
            for (MethodSummary a : r.summary()) {
                if (Methods.get(a.method()).ablation()) {
                    // Paired: against ADEPT on the ablation's own seeds (ablationSeeds may run fewer seeds, and one
                    // seed's split and data order move both axes more than the ablated part does).
                    double g = a.generalLossChange().mean();
                    double d = a.domainLossChange().mean();
                    double pg = meanOnSeeds(adept, adept.generalLossChange(), a.seeds());
                    double pd = meanOnSeeds(adept, adept.domainLossChange(), a.seeds());
                    goals.add(new Goal(a.method() + " worse than ADEPT on at least one axis", g > pg || d > pd,
                            String.format(Locale.ROOT, "general %+.3f vs %+.3f, domain %+.3f vs %+.3f nats (ADEPT on "
                                    + "the same seeds %s)", g, pg, d, pd, a.seeds())));
                }
            }
        }
        return goals;
    }

    /** Mean of {@code stat} (one of {@code s}'s) over those of {@code seeds} that {@code s} ran; its mean if none. */
    static double meanOnSeeds(MethodSummary s, MethodSummary.Stat stat, List<Long> seeds) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < s.seeds().size(); i++) {
            if (seeds.contains(s.seeds().get(i))) {
                sum += stat.values().get(i);
                n++;
            }
        }
        return n > 0 ? sum / n : stat.mean();
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
            for (AdeptRun.MethodResult m : r.ofSeed(r.seeds().get(0))) {
                List<Point> curve = corpus.equals("general") ? m.training().generalCurve() : m.training().domainCurve();
                series.add(new LineChart.Series(m.method(), curve.stream().map(p -> (double) p.step()).toList(),
                        curve.stream().map(p -> Math.exp(p.loss())).toList()));
            }
            Path png = dir.resolve("curves-" + corpus + ".png");
            LineChart.write(png, (corpus.equals("general") ? "General" : "Domain") + " validation perplexity while training"
                            + (r.seeds().size() > 1 ? " (seed " + r.seeds().get(0) + ")" : ""),
                    "step", "perplexity", series, false, false);
            charts.add(png);
        }
        List<LineChart.Series> points = new ArrayList<>();
        for (MethodSummary m : r.summary()) {
            points.add(new LineChart.Series(m.method(), m.generalLossChange().values(), m.domainLossChange().values()));
        }
        Path scatter = dir.resolve("forgetting-vs-learning.png");
        LineChart.write(scatter, "Forgetting vs learning, one point per seed (lower-left is better)",
                "general validation loss change (nats)", "domain validation loss change (nats)", points, true, true);
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
                        + "perplexity %.1f, domain perplexity %.1f. K=%d. Wall time of the whole run: %.0f s on %d thread(s).</p>",
                esc(r.base().dir()), esc(r.base().source()), r.base().parameters(), r.base().layers(), r.base().hidden(),
                first.generalPerplexityBefore(), first.domainPerplexityBefore(), r.k(), r.wallSeconds(), r.threads()));
        b.append(lrRule(r, true));
        b.append("<h2>Summary over seeds</h2><p>Validation loss change in nats per token (after − before; negative domain "
                + "change = learning, positive general change = forgetting), mean ± sample standard deviation over the "
                + "seeds " + r.seeds() + ".</p><table><tr><th>method</th><th>seeds</th><th>share</th><th>general ΔL</th>"
                + "<th>domain ΔL</th><th>general ppl change</th><th>domain ppl change</th><th>train s</th></tr>");
        for (MethodSummary m : r.summary()) {
            b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.1f%%</td><td>%s</td><td>%s</td>"
                            + "<td>%+.1f%%</td><td>%+.1f%%</td><td>%s</td></tr>", esc(m.method()), m.seeds().size(),
                    100 * m.trainableShare(), pm(m.generalLossChange(), 3), pm(m.domainLossChange(), 3),
                    100 * m.generalPerplexityChange().mean(), 100 * m.domainPerplexityChange().mean(),
                    pm(m.trainSeconds(), 1).replace("+", "")));
        }
        b.append("</table>");
        b.append("<h2>Every method and seed</h2><table><tr><th>method</th><th>seed</th><th>trainable</th><th>share</th><th>general ppl</th><th>change</th>"
                + "<th>domain ppl</th><th>change</th><th>general top-1</th><th>domain top-1</th><th>general top-1 shift</th>"
                + "<th>train s</th><th>tokens/s</th><th>blocks trained</th></tr>");
        for (AdeptRun.MethodResult m : r.methods()) {
            b.append(String.format(Locale.ROOT, "<tr><td title=\"%s\">%s</td><td>%d</td><td>%,d</td><td>%.1f%%</td><td>%.1f</td><td>%+.1f%%</td>"
                            + "<td>%.1f</td><td>%+.1f%%</td><td>%.1f%%</td><td>%.1f%%</td><td>%.1f%%</td><td>%.1f</td><td>%.0f</td><td>%s</td></tr>",
                    esc(m.description()), esc(m.method()), m.seed(), m.trainableParameters(), 100 * m.trainableShare(),
                    m.generalPerplexityAfter(), 100 * m.generalPerplexityChange(), m.domainPerplexityAfter(),
                    100 * m.domainPerplexityChange(), 100 * m.generalTop1After(), 100 * m.domainTop1After(),
                    100 * m.generalTop1Shift(), m.trainSeconds(), m.tokensPerSecond(),
                    m.trainedBlocks().size() == r.base().layers() + m.copiedBlocks().size() ? "all" : m.trainedBlocks().toString()));
        }
        b.append("</table><p>Shift = share of validation tokens whose top-1 prediction changed from the base model's.</p>");
        if (!r.tasks().isEmpty()) {
            b.append("<h2>Task accuracy</h2><p>Multiple-choice items scored by the log-likelihood of each choice after "
                    + "the question (as lm-evaluation-harness), mean over seeds; ± one standard error.</p><table><tr>"
                    + "<th>method</th><th>task</th><th>items</th><th>accuracy</th><th>accuracy (norm)</th></tr>");
            for (TaskRow t : taskRows(r)) {
                b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%.1f%% ± %.1f</td>"
                                + "<td>%.1f%% ± %.1f</td></tr>", esc(t.method()), esc(t.task()), t.items(),
                        100 * t.accuracy(), 100 * t.stdErr(), 100 * t.accuracyNorm(), 100 * t.stdErrNorm()));
            }
            b.append("</table>");
        }
        b.append("<h2>Quality goals (measured on this run)</h2><ul>");
        for (Goal g : goals(r)) {
            boolean met = Boolean.TRUE.equals(g.met());
            b.append("<li class=\"").append(met ? "ok" : "no").append("\"><b>").append(met ? "met" : "not met")
                    .append("</b>: ").append(esc(g.goal())).append(" — ").append(esc(g.measured())).append("</li>");
        }
        b.append("</ul><h2>Methods</h2><ul>");
        for (AdeptRun.MethodResult m : r.ofSeed(r.seeds().get(0))) {
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
