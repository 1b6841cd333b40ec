package io.distillwatch.examples.report;

import io.distillwatch.examples.replay.Evaluation;
import io.distillwatch.examples.replay.Replay;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Writes a {@link ReportData} as one self-contained HTML file: summary tables, and the charts as
 * PNG images embedded in {@code data:} URIs, so the file can be mailed or attached as it is.
 *
 * <p>Figures, each an {@code <img>} inside {@code <figure id="...">}, in page order: {@code hourly}
 * (exchanges per hour by campaign against benign traffic, flags marked), {@code scores} (evidence
 * of campaign, benign and hard-negative accounts), {@code precision-recall} (over the evidence
 * threshold), {@code contributions} (signals behind the strongest account alerts), {@code
 * rate-limit-recall} and {@code rate-limit-benign} (the per-account rate limit beside the
 * detector).
 *
 * <p>Charts are drawn with XChart through Java2D, which needs no display when the JVM runs with
 * {@code java.awt.headless=true} (the {@code report} command sets it).
 */
public final class HtmlReport {
  private HtmlReport() {}

  private record Figure(String id, String caption, Chart<?, ?> chart) {}

  /** Writes the report to a file, replacing it. */
  public static void write(ReportData d, Path path) throws IOException {
    try (OutputStream out = Files.newOutputStream(path)) {
      write(d, out);
    }
  }

  /** Writes the report to the stream as UTF-8 (flushed, not closed). */
  public static void write(ReportData d, OutputStream out) throws IOException {
    Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
    Evaluation.Report r = d.evaluation();
    w.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    w.write("<title>Distillwatch report: " + esc(d.input) + "</title>\n");
    w.write(
        "<style>body{font-family:sans-serif;max-width:1040px;margin:2em auto;color:#222}"
            + "table{border-collapse:collapse;margin:1em 0}"
            + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
            + "td:first-child,th:first-child{text-align:left}"
            + "td.text{text-align:left;font-size:90%}"
            + "figure{margin:2em 0}figcaption{font-size:90%;color:#444}"
            + "img{max-width:100%}</style>\n");
    w.write("</head><body>\n");
    w.write("<h1>Distillwatch report</h1>\n");
    summaryTable(w, d);

    w.write("<h2>Campaigns</h2>\n");
    campaignTable(w, r);
    w.write("<h2>Benign archetypes</h2>\n");
    benignTable(w, r);

    w.write("<h2>Charts</h2>\n");
    for (Figure f : figures(d)) {
      byte[] png = BitmapEncoder.getBitmapBytes(f.chart(), BitmapEncoder.BitmapFormat.PNG);
      w.write("<figure id=\"" + f.id() + "\">\n<img alt=\"" + esc(f.chart().getTitle()) + "\" ");
      w.write("src=\"data:image/png;base64,");
      w.write(Base64.getEncoder().encodeToString(png));
      w.write("\">\n<figcaption>" + esc(f.caption()) + "</figcaption>\n</figure>\n");
    }

    w.write("<h2>Strongest account alerts</h2>\n");
    topAlertTable(w, d);
    w.write("</body></html>\n");
    w.flush();
  }

  private static List<Figure> figures(ReportData d) {
    return List.of(
        new Figure(
            "hourly",
            "Exchanges per hour of each campaign and, in grey, of all benign traffic (log scale;"
                + " an hour without traffic is a gap). Black diamonds sit on a campaign's line in"
                + " the hours its accounts were first flagged; red crosses on the benign line mark"
                + " benign accounts first flagged.",
            ReportCharts.hourly(d)),
        new Figure(
            "scores",
            "Each labelled account that sent an exchange, by the highest evidence it reached: its"
                + " own at its alerts and at the end of the trace, or that of an alert naming it"
                + " (a cluster alert counts for every member). The red line is the nominal"
                + " threshold, -log10 of the target false-positive rate; the detector's calibrated"
                + " threshold is never below it. "
                + d.accountsWithoutProfile
                + " accounts had no profile left at the end (evicted when idle); their evidence"
                + " is from alerts only.",
            ReportCharts.scores(d)),
        new Figure(
            "precision-recall",
            "Flagging every account whose evidence (as in the chart above) reaches the threshold"
                + " on the x axis: precision, recall of campaign accounts, and the share of benign"
                + " accounts flagged. The detector as run is in the tables: it flags an account"
                + " when its evidence first crosses the threshold calibrated at that time.",
            ReportCharts.precisionRecall(d)),
        new Figure(
            "contributions",
            "The strongest account alerts, one per account, by evidence when alerted. Each"
                + " segment is one signal's own surprise, -log10 of its tail probability in the"
                + " population. The detector combines them per group (content, behaviour) and"
                + " takes the weaker group, so a stack is not the evidence: it shows which signals"
                + " drove the alert.",
            ReportCharts.contributions(d)),
        new Figure(
            "rate-limit-recall",
            "Share of each campaign's accounts flagged by the detector and by a plain"
                + " per-account limit of "
                + d.evaluation().limitPerHour()
                + " exchanges in any sliding hour, measured in the same pass.",
            ReportCharts.rateLimitRecall(d)),
        new Figure(
            "rate-limit-benign",
            "Benign accounts flagged per archetype by the detector and by the same rate limit;"
                + " (hard) marks the archetypes built to resemble an attack on some signals.",
            ReportCharts.rateLimitBenign(d)));
  }

  private static void summaryTable(Writer w, ReportData d) throws IOException {
    Replay.Summary s = d.summary();
    Evaluation.Report r = d.evaluation();
    w.write("<table>\n");
    row(w, "input", d.input);
    row(w, "trace start", Instant.ofEpochMilli(d.start).toString());
    row(
        w,
        "records",
        s.records() + " (accepted " + s.accepted() + ", rejected " + s.rejected() + ")");
    row(
        w,
        "alerts",
        s.alerts() + " (account " + s.accountAlerts() + ", cluster " + s.clusterAlerts() + ")");
    row(w, "replay time", String.format(Locale.ROOT, "%.1f s", s.seconds()));
    row(
        w,
        "target false-positive rate",
        String.format(
            Locale.ROOT,
            "%s (nominal threshold %.1f)",
            pct(d.targetFalsePositiveRate),
            d.nominalThreshold));
    row(
        w,
        "benign false-positive rate",
        String.format(
            Locale.ROOT,
            "detector %s (%d of %d), rate limit %s (%d)",
            pct(r.benignFalsePositiveRate()),
            r.benignFlagged(),
            r.benignAccounts(),
            pct(r.benignAccounts() == 0 ? 0 : r.benignRateLimited() / (double) r.benignAccounts()),
            r.benignRateLimited()));
    if (r.unlabelledFlagged() > 0) {
      row(w, "unlabelled accounts flagged", Long.toString(r.unlabelledFlagged()));
    }
    w.write("</table>\n");
  }

  private static void campaignTable(Writer w, Evaluation.Report r) throws IOException {
    w.write(
        "<table><tr><th>campaign</th><th>accounts</th><th>exchanges</th><th>recall</th>"
            + "<th>first alert</th><th>exchanges before first alert</th>"
            + "<th>after own flag</th><th>rate limit recall</th><th>rate limit first</th>"
            + "<th>after own limit</th></tr>\n");
    for (Evaluation.CampaignResult c : r.campaigns()) {
      w.write("<tr><td>" + esc(c.name()) + (c.lowAndSlow() ? " (low and slow)" : "") + "</td>");
      cells(
          w,
          Long.toString(c.accounts()),
          Long.toString(c.exchanges()),
          pct(c.recall()),
          hours(c.timeToFirstAlertMillis()),
          pct(c.beforeFirstAlert()),
          pct(c.afterOwnFlag()),
          pct(c.rateLimitRecall()),
          hours(c.rateLimitTimeToFirstMillis()),
          pct(c.rateLimitAfterOwnFlag()));
    }
    w.write("</table>\n");
  }

  private static void benignTable(Writer w, Evaluation.Report r) throws IOException {
    w.write(
        "<table><tr><th>archetype</th><th>accounts</th><th>flagged by the detector</th>"
            + "<th>rate limited</th></tr>\n");
    for (Evaluation.BenignResult b : r.benign()) {
      w.write("<tr><td>" + esc(b.archetype()) + (b.hardNegative() ? " (hard)" : "") + "</td>");
      cells(
          w,
          Long.toString(b.accounts()),
          Long.toString(b.flagged()),
          Long.toString(b.rateLimited()));
    }
    w.write("</table>\n");
  }

  private static void topAlertTable(Writer w, ReportData d) throws IOException {
    if (d.topAlerts.isEmpty()) {
      w.write("<p>No account alert.</p>\n");
      return;
    }
    w.write(
        "<table><tr><th>#</th><th>account</th><th>group</th><th>detected at</th>"
            + "<th>evidence</th><th>reasons</th></tr>\n");
    int i = 1;
    for (ReportData.TopAlert a : d.topAlerts) {
      w.write("<tr><td>" + i++ + "</td><td class=\"text\">" + esc(a.accountId()) + "</td>");
      w.write("<td class=\"text\">" + esc(a.group() == null ? "unlabelled" : a.group()) + "</td>");
      w.write("<td>" + Instant.ofEpochMilli(a.detectedAt()) + "</td>");
      w.write(String.format(Locale.ROOT, "<td>%.1f</td>", a.evidence()));
      w.write("<td class=\"text\">" + esc(String.join(" ", a.reasons())) + "</td></tr>\n");
    }
    w.write("</table>\n");
  }

  private static void row(Writer w, String name, String value) throws IOException {
    w.write("<tr><th>" + esc(name) + "</th><td class=\"text\">" + esc(value) + "</td></tr>\n");
  }

  private static void cells(Writer w, String... values) throws IOException {
    for (String v : values) {
      w.write("<td>" + esc(v) + "</td>");
    }
    w.write("</tr>\n");
  }

  private static String pct(double share) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  private static String hours(long millis) {
    return millis < 0 ? "never" : String.format(Locale.ROOT, "%+.1f h", millis / 3.6e6);
  }

  /** Escapes text for HTML element content and double-quoted attributes. */
  static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
