package io.adept4j.report;

import io.adept4j.sweep.CandidateOutcome;
import io.adept4j.sweep.SweepRunner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The human side of a sweep: the scatter of all candidates with the Pareto front highlighted, and sweep.html. */
public final class SweepReport {

    private SweepReport() {
    }

    /** Writes {@code sweep.png} and {@code sweep.html} into {@code dir}. */
    public static void write(Path dir, SweepRunner.Result r) throws IOException {
        Set<Integer> front = new HashSet<>(r.paretoFront());
        List<Double> ox = new ArrayList<>();
        List<Double> oy = new ArrayList<>();
        List<String> ol = new ArrayList<>();
        List<Double> fx = new ArrayList<>();
        List<Double> fy = new ArrayList<>();
        List<String> fl = new ArrayList<>();
        for (int i = 0; i < r.candidates().size(); i++) {
            CandidateOutcome c = r.candidates().get(i);
            if (c.error() != null) {
                continue;
            }
            boolean onFront = front.contains(i);
            (onFront ? fx : ox).add(c.generalLossAfter());
            (onFront ? fy : oy).add(c.domainLossAfter());
            (onFront ? fl : ol).add("#" + c.index());
        }
        Path png = dir.resolve("sweep.png");
        LineChart.write(png, "Sweep: general retention vs domain learning (Pareto front in red)",
                "general validation loss after tuning (lower = less forgetting)",
                "domain loss after tuning", List.of(new LineChart.Series("candidates", ox, oy, ol),
                        new LineChart.Series("Pareto front", fx, fy, fl)), true, false);
        StringBuilder b = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>adept sweep</title>"
                + "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;"
                + "font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px}.front{background:#fde}</style></head><body>");
        b.append("<h1>adept sweep</h1><p>").append(r.candidates().size()).append(" candidates (").append(r.executed())
                .append(" run, ").append(r.reused()).append(" reused from an earlier run), ")
                .append(String.format(Locale.ROOT, "%.0f s", r.wallSeconds())).append(". Objective: ")
                .append(r.settings().get("objective")).append(". Highlighted rows are on the Pareto front.</p>");
        b.append("<table><tr><th>#</th><th>values</th><th>general loss</th><th>domain loss</th><th>general ppl change</th>"
                + "<th>domain ppl change</th><th>score</th><th>seconds</th></tr>");
        for (int i = 0; i < r.candidates().size(); i++) {
            CandidateOutcome c = r.candidates().get(i);
            b.append(front.contains(i) ? "<tr class=\"front\">" : "<tr>").append("<td>").append(c.index()).append("</td><td>")
                    .append(c.key().replace("&", "&amp;").replace("<", "&lt;")).append("</td>");
            if (c.error() != null) {
                b.append("<td colspan=\"6\">failed: ").append(c.error().replace("<", "&lt;")).append("</td></tr>");
                continue;
            }
            b.append(String.format(Locale.ROOT, "<td>%.4f</td><td>%.4f</td><td>%+.1f%%</td><td>%+.1f%%</td><td>%.4f</td><td>%.0f</td></tr>",
                    c.generalLossAfter(), c.domainLossAfter(), 100 * c.generalPerplexityChange(),
                    100 * c.domainPerplexityChange(), r.scores().get(i), c.seconds()));
        }
        b.append("</table><p><img alt=\"sweep\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(Files.readAllBytes(png))).append("\"></p></body></html>\n");
        Files.writeString(dir.resolve("sweep.html"), b.toString(), StandardCharsets.UTF_8);
    }
}
