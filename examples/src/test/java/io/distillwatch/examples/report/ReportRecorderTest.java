package io.distillwatch.examples.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.replay.Replay;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the recorder keeps from exchanges and alerts, on a hand-made stream. */
class ReportRecorderTest {
  private static final long START = 1_776_643_200_000L; // 2026-04-20T00:00Z
  private static final long HOUR = 3_600_000L;

  private final Labels labels =
      new Labels(
          1,
          1,
          START,
          START + 3 * HOUR,
          List.of(new Labels.Campaign("camp", false, START, START, 0, List.of("a1", "a2"))),
          List.of(
              new Labels.Benign("casual", false, List.of("b1")),
              new Labels.Benign("ci-bot", true, List.of("h1"))));
  private final ExchangeParser parser = ExchangeParser.builder().build();

  private Exchange exchange(String account, long ts) {
    return parser.parse("{\"timestamp\":" + ts + ",\"account_id\":\"" + account + "\"}").exchange();
  }

  @Test
  void recorder_countsPerHourAndScoresFromAlerts() {
    // The detector never sees these exchanges, so explain() knows no account: scores come from
    // alerts alone.
    ReportRecorder r = new ReportRecorder(labels, ExtractionDetector.builder().build(), 120);
    r.exchange(exchange("a1", START + 10));
    r.exchange(exchange("a1", START + HOUR + 10));
    r.exchange(exchange("a2", START + HOUR + 20));
    r.exchange(exchange("b1", START + 2 * HOUR));
    r.exchange(exchange("h1", START + 2 * HOUR + 1));
    r.exchange(exchange("stranger", START + 5 * HOUR)); // past the labelled end: the series grow
    r.alert(
        new ClusterAlert(
            "cluster:a1:1:2",
            "cluster-a1",
            List.of("a1", "a2"),
            START + HOUR + 30,
            1 - 1e-5,
            3,
            Map.of(),
            List.of("joined")));
    r.alert(
        new AccountAlert(
            "account:a1:2", "a1", START + 2 * HOUR, 1 - 1e-7, 3, Map.of(), List.of("more")));

    ReportData d = r.finish(new Replay.Summary(6, 6, 0, 2, 1, 1, 0, 0, 0.1), "test");
    assertEquals(List.of("camp", "benign", "unlabelled"), d.series);
    assertEquals(6, d.hourly[0].length, "grown to the stranger's hour");
    assertArrayEquals(new long[] {1, 2, 0, 0, 0, 0}, d.hourly[0]);
    assertArrayEquals(new long[] {0, 0, 2, 0, 0, 0}, d.hourly[1]);
    assertArrayEquals(new long[] {0, 0, 0, 0, 0, 1}, d.hourly[2]);
    // Each account counts once, in the hour of its first flag.
    assertArrayEquals(new long[] {0, 2, 0, 0, 0, 0}, d.flaggedHourly[0]);

    // a2: the cluster alert's evidence; a1: the higher, of its own account alert.
    assertArrayEquals(new double[] {5.0, 7.0}, d.campaignScores, 1e-6);
    assertArrayEquals(new double[] {0.0}, d.benignScores);
    assertArrayEquals(new double[] {0.0}, d.hardNegativeScores);
    assertEquals(3.0, d.nominalThreshold, 1e-12);
    assertEquals(4, d.accountsWithoutProfile, "none of them reached the detector");
    assertEquals(1.0, d.evaluation().campaigns().get(0).recall());
  }

  @Test
  void alertEvidence_scoreOne_isCappedAtDoublePrecision() {
    assertEquals(ReportRecorder.MAX_ALERT_EVIDENCE, ReportRecorder.alertEvidence(1.0));
    assertEquals(3.0, ReportRecorder.alertEvidence(0.999), 1e-9);
    assertEquals(0.0, ReportRecorder.alertEvidence(0.0));
  }

  @Test
  void atLeast_countsSortedValuesFromTheThresholdUp() {
    double[] sorted = {0.5, 1.0, 1.0, 3.0};
    assertEquals(4, ReportCharts.atLeast(sorted, 0.0));
    assertEquals(3, ReportCharts.atLeast(sorted, 1.0));
    assertEquals(1, ReportCharts.atLeast(sorted, 2.0));
    assertEquals(0, ReportCharts.atLeast(sorted, 3.5));
    assertEquals(0, ReportCharts.atLeast(new double[0], 0.0));
    assertTrue(ReportCharts.shorten("acct-0123456789abcdef").length() <= 18);
  }
}
