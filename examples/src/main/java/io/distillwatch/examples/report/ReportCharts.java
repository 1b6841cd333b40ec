package io.distillwatch.examples.report;

import io.distillwatch.core.detect.Signal;
import io.distillwatch.examples.replay.Evaluation;
import java.awt.Color;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, built with XChart from a {@link ReportData}. Each method returns one chart;
 * none draws anything by hand.
 */
final class ReportCharts {
  static final int WIDTH = 1000;
  static final int HEIGHT = 460;

  /** Width of a bin of the evidence histogram, in units of {@code -log10 p}. */
  static final double BIN = 0.5;

  /** Evidence shown on the score axes; higher values are drawn in the last bin. */
  static final double MAX_EVIDENCE = 20.0;

  private static final Color THRESHOLD = new Color(0xB0, 0x30, 0x30);

  private ReportCharts() {}

  /**
   * (a) Exchanges per hour of each campaign and of benign traffic, and when accounts were flagged.
   */
  static XYChart hourly(ReportData d) {
    XYChart chart =
        xy(
            "Exchanges per hour, by campaign and benign traffic",
            "hour (UTC)",
            "exchanges per hour");
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setDatePattern("MM-dd HH:mm");
    chart.getStyler().setTimezone(TimeZone.getTimeZone("UTC"));
    int hours = d.hourly[0].length;
    List<Date> x = new ArrayList<>(hours);
    for (int h = 0; h < hours; h++) {
      x.add(new Date(d.start + h * ReportRecorder.HOUR_MILLIS));
    }
    List<Date> flagX = new ArrayList<>();
    List<Double> flagY = new ArrayList<>();
    List<Date> benignFlagX = new ArrayList<>();
    List<Double> benignFlagY = new ArrayList<>();
    int benign = d.series.indexOf("benign");
    for (int s = 0; s < d.series.size(); s++) {
      long total = 0;
      List<Double> y = new ArrayList<>(hours);
      for (int h = 0; h < hours; h++) {
        long n = d.hourly[s][h];
        total += n;
        // A log axis cannot show zero: an hour without traffic is a gap.
        y.add(n > 0 ? n : Double.NaN);
        if (d.flaggedHourly[s][h] > 0) {
          (s < benign ? flagX : benignFlagX).add(x.get(h));
          (s < benign ? flagY : benignFlagY).add((double) Math.max(1, n));
        }
      }
      if (total == 0) {
        continue;
      }
      XYSeries line = chart.addSeries(d.series.get(s), x, y);
      line.setMarker(SeriesMarkers.NONE);
      if (s == benign) {
        line.setLineColor(Color.GRAY);
      }
    }
    scatter(chart, "campaign accounts first flagged", flagX, flagY, SeriesMarkers.DIAMOND);
    scatter(chart, "benign accounts first flagged", benignFlagX, benignFlagY, SeriesMarkers.CROSS);
    if (chart.getSeriesMap().isEmpty()) {
      chart.addSeries("no exchanges", List.of(x.get(0)), List.of(1.0));
    }
    return chart;
  }

  /** (b) Distribution of accounts' evidence: campaign, benign, hard-negative accounts. */
  static XYChart scores(ReportData d) {
    XYChart chart =
        xy(
            "Evidence per account: campaign vs benign accounts",
            "evidence, -log10 of the combined tail probability (the last bin holds the rest)",
            "share of the group's accounts");
    double max = axisMax(d);
    histogram(chart, "campaign (" + d.campaignScores.length + ")", d.campaignScores, max);
    histogram(chart, "benign (" + d.benignScores.length + ")", d.benignScores, max);
    histogram(
        chart, "hard negatives (" + d.hardNegativeScores.length + ")", d.hardNegativeScores, max);
    verticalLine(chart, "nominal threshold " + fmt(d.nominalThreshold), d.nominalThreshold, 1.0);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setXAxisMin(0.0);
    chart.getStyler().setXAxisMax(max + BIN);
    return chart;
  }

  /** (c) Precision and recall of flagging accounts whose evidence reaches a threshold. */
  static XYChart precisionRecall(ReportData d) {
    XYChart chart =
        xy(
            "Precision and recall over the evidence threshold (accounts)",
            "threshold on evidence, -log10 p",
            "share");
    List<Double> t = new ArrayList<>();
    List<Double> precision = new ArrayList<>();
    List<Double> recall = new ArrayList<>();
    List<Double> fpr = new ArrayList<>();
    int positives = d.campaignScores.length;
    int negatives = d.benignScores.length + d.hardNegativeScores.length;
    double max = axisMax(d);
    for (int i = 0; i * 0.1 <= max + 1e-9; i++) {
      double x = i * 0.1;
      long tp = atLeast(d.campaignScores, x);
      long fp = atLeast(d.benignScores, x) + atLeast(d.hardNegativeScores, x);
      t.add(x);
      precision.add(tp + fp == 0 ? Double.NaN : tp / (double) (tp + fp));
      recall.add(positives == 0 ? Double.NaN : tp / (double) positives);
      fpr.add(negatives == 0 ? Double.NaN : fp / (double) negatives);
    }
    line(chart, "precision", t, precision);
    line(chart, "recall (campaign accounts)", t, recall);
    line(chart, "benign accounts flagged (share)", t, fpr);
    verticalLine(chart, "nominal threshold " + fmt(d.nominalThreshold), d.nominalThreshold, 1.0);
    if (!Double.isNaN(d.lowestAlertEvidence)) {
      verticalLine(
          chart,
          "lowest alerting evidence " + fmt(d.lowestAlertEvidence),
          Math.min(MAX_EVIDENCE, d.lowestAlertEvidence),
          1.0);
    }
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(1.0);
    return chart;
  }

  /** (d) Each signal's surprise for the strongest account alerts, stacked per alert. */
  static CategoryChart contributions(ReportData d) {
    CategoryChart chart =
        category(
            "Signals behind the strongest account alerts",
            "account alert (strongest first)",
            "signal surprise, -log10 of its population tail");
    chart.getStyler().setStacked(true);
    chart.getStyler().setXAxisLabelRotation(30);
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < d.topAlerts.size(); i++) {
      ReportData.TopAlert a = d.topAlerts.get(i);
      labels.add((i + 1) + ". " + shorten(a.accountId()));
    }
    if (labels.isEmpty()) {
      labels.add("no account alert");
    }
    for (Signal s : Signal.values()) {
      List<Double> y = new ArrayList<>();
      boolean any = false;
      for (ReportData.TopAlert a : d.topAlerts) {
        double v = Math.min(MAX_EVIDENCE, a.surprise().getOrDefault(s.wireName(), 0.0));
        any |= v > 0;
        y.add(v);
      }
      if (any) {
        chart.addSeries(s.wireName(), labels, y);
      }
    }
    if (chart.getSeriesMap().isEmpty()) {
      chart.addSeries("no signal", labels, zeros(labels.size()));
    }
    return chart;
  }

  /** (e) Campaign recall: the detector beside the per-account rate limit. */
  static CategoryChart rateLimitRecall(ReportData d) {
    Evaluation.Report r = d.evaluation();
    CategoryChart chart =
        category(
            "Campaign accounts flagged: detector vs rate limit " + r.limitPerHour() + "/h",
            "campaign",
            "recall, % of the campaign's accounts");
    List<String> names = new ArrayList<>();
    List<Double> detector = new ArrayList<>();
    List<Double> limit = new ArrayList<>();
    for (Evaluation.CampaignResult c : r.campaigns()) {
      names.add(c.name());
      detector.add(100 * c.recall());
      limit.add(100 * c.rateLimitRecall());
    }
    if (names.isEmpty()) {
      names.add("no campaign");
      detector.add(0.0);
      limit.add(0.0);
    }
    chart.addSeries("detector", names, detector);
    chart.addSeries("rate limit " + r.limitPerHour() + "/h", names, limit);
    chart.getStyler().setYAxisMax(100.0);
    return chart;
  }

  /** (e) Benign accounts flagged per archetype: the detector beside the rate limit. */
  static CategoryChart rateLimitBenign(ReportData d) {
    Evaluation.Report r = d.evaluation();
    CategoryChart chart =
        category(
            "Benign accounts flagged: detector vs rate limit " + r.limitPerHour() + "/h",
            "benign archetype",
            "accounts flagged");
    chart.getStyler().setXAxisLabelRotation(20);
    List<String> names = new ArrayList<>();
    List<Long> detector = new ArrayList<>();
    List<Long> limit = new ArrayList<>();
    for (Evaluation.BenignResult b : r.benign()) {
      names.add(b.archetype() + (b.hardNegative() ? " (hard)" : ""));
      detector.add(b.flagged());
      limit.add(b.rateLimited());
    }
    if (names.isEmpty()) {
      names.add("no benign account");
      detector.add(0L);
      limit.add(0L);
    }
    chart.addSeries("detector", names, detector);
    chart.addSeries("rate limit " + r.limitPerHour() + "/h", names, limit);
    chart.getStyler().setYAxisMin(0.0);
    return chart;
  }

  // ---------------------------------------------------------------------------------------------

  private static XYChart xy(String title, String xTitle, String yTitle) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    style(chart.getStyler());
    chart.getStyler().setMarkerSize(7);
    return chart;
  }

  private static CategoryChart category(String title, String xTitle, String yTitle) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    style(chart.getStyler());
    return chart;
  }

  private static void style(AxesChartStyler s) {
    s.setLegendPosition(Styler.LegendPosition.OutsideE);
    s.setLegendLayout(Styler.LegendLayout.Vertical);
    s.setChartBackgroundColor(Color.WHITE);
    s.setLocale(Locale.ROOT);
  }

  private static void line(XYChart chart, String name, List<Double> x, List<Double> y) {
    chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
  }

  private static void scatter(
      XYChart chart,
      String name,
      List<Date> x,
      List<Double> y,
      org.knowm.xchart.style.markers.Marker marker) {
    if (x.isEmpty()) {
      return;
    }
    XYSeries s = chart.addSeries(name, x, y);
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    s.setMarker(marker);
    s.setMarkerColor(marker == SeriesMarkers.CROSS ? THRESHOLD : Color.BLACK);
  }

  private static void verticalLine(XYChart chart, String name, double x, double top) {
    XYSeries s = chart.addSeries(name, List.of(x, x), List.of(0.0, top));
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(name.startsWith("nominal") ? THRESHOLD : Color.DARK_GRAY);
  }

  /**
   * A step histogram of {@code values} as shares of their count, in bins of {@link #BIN} from 0;
   * the last bin, at {@code max}, holds every value from there up.
   */
  private static void histogram(XYChart chart, String name, double[] values, double max) {
    if (values.length == 0) {
      return;
    }
    int bins = (int) Math.round(max / BIN) + 1;
    double[] counts = new double[bins];
    for (double v : values) {
      int b = (int) Math.min(bins - 1, Math.max(0, Math.floor(v / BIN)));
      counts[b]++;
    }
    List<Double> x = new ArrayList<>(bins + 1);
    List<Double> y = new ArrayList<>(bins + 1);
    for (int b = 0; b < bins; b++) {
      x.add(b * BIN);
      y.add(counts[b] / values.length);
    }
    // Close the last step.
    x.add(bins * BIN);
    y.add(0.0);
    XYSeries s = chart.addSeries(name, x, y);
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
    s.setMarker(SeriesMarkers.NONE);
  }

  /**
   * The evidence axis ends a little past the highest score, past the nominal threshold, and at
   * {@link #MAX_EVIDENCE} at most.
   */
  private static double axisMax(ReportData d) {
    double max = d.nominalThreshold;
    for (double[] xs : List.of(d.campaignScores, d.benignScores, d.hardNegativeScores)) {
      if (xs.length > 0) {
        max = Math.max(max, xs[xs.length - 1]);
      }
    }
    return Math.min(MAX_EVIDENCE, Math.ceil(max) + 1);
  }

  /** How many of the sorted {@code values} are {@code >= x}. */
  static long atLeast(double[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return sorted.length - lo;
  }

  private static List<Double> zeros(int n) {
    List<Double> z = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      z.add(0.0);
    }
    return z;
  }

  static String shorten(String id) {
    return id.length() <= 18 ? id : id.substring(0, 16) + "..";
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
