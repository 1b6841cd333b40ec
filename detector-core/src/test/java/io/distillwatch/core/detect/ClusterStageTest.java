package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.link.StageMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterStageTest {
  private static final double BAR = 3.0;

  /** Enough accounts for the threshold at the default 0.1% target to calibrate (2 / 0.001). */
  private static final int BENIGN = 2100;

  private final ClusterStage stage = new ClusterStage(DetectorConfig.builder().config());
  private long clock = 1_000;

  private List<Alert> evidence(String id, double ln, int flags) {
    List<Alert> out = new ArrayList<>();
    stage.process(
        StageMessage.evidence(
            id, AccountProfile.hash(id), 0, clock++, 10, ln, BAR, flags | StageMessage.CALIBRATED),
        out);
    return out;
  }

  private List<Alert> edge(String id, String other) {
    StageMessage observe =
        StageMessage.observe(
            id, AccountProfile.hash(id), 0, LinkKey.PAYMENT, 77, "card-77", clock++, 10, 1000);
    StageMessage e =
        new StageMessage(
            StageMessage.Type.EDGE,
            observe.route(),
            id,
            observe.accountHash(),
            0,
            LinkKey.PAYMENT,
            77,
            "card-77",
            other,
            AccountProfile.hash(other),
            0,
            observe.timestamp(),
            10,
            Double.NaN,
            Double.NaN,
            0,
            1000,
            null);
    List<Alert> out = new ArrayList<>();
    stage.process(e, out);
    return out;
  }

  /** A candidate alert with evidence {@code log10Evidence} on the {@code -log10 p} scale. */
  private List<Alert> ownAlert(String id, double log10Evidence) {
    AccountAlert a =
        new AccountAlert("account:" + id + ":candidate", id, clock, 0.999, 10, Map.of(), List.of());
    List<Alert> out = new ArrayList<>();
    stage.process(
        StageMessage.alert(
            a,
            AccountProfile.hash(id),
            0,
            log10Evidence * Math.log(10),
            StageMessage.FLAGGED | StageMessage.CALIBRATED),
        out);
    return out;
  }

  /** 300 ordinary accounts, then five strongly suspicious ones sharing one card. */
  private List<Alert> population() {
    for (int i = 0; i < BENIGN; i++) {
      evidence("benign-" + i, 0.7, 0);
    }
    List<Alert> alerts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      alerts.addAll(evidence("hydra-" + i, 25, 0));
    }
    for (int i = 1; i < 5; i++) {
      alerts.addAll(edge("hydra-" + i, "hydra-0"));
    }
    return alerts;
  }

  @Test
  void suspiciousGroupSharingACard_isAlertedOnceWithEveryMember() {
    List<Alert> alerts = population();
    List<ClusterAlert> clusters =
        alerts.stream().filter(a -> a instanceof ClusterAlert).map(a -> (ClusterAlert) a).toList();
    assertTrue(!clusters.isEmpty(), "no cluster alert: " + alerts);
    ClusterAlert last = clusters.get(clusters.size() - 1);
    assertTrue(
        last.accounts().containsAll(List.of("hydra-0", "hydra-1", "hydra-2")), last.toString());
    assertEquals(List.of("card-77"), last.sharedIndicators().get("payment_fingerprint"));
    assertEquals(1, stage.liveClusters());
  }

  @Test
  void freshAccountJoiningAnAlertedCluster_isFlaggedOnTheLink_andOnlyOnce() {
    population();
    List<Alert> joined = edge("fresh", "hydra-0");
    List<AccountAlert> linked =
        joined.stream().filter(a -> a instanceof AccountAlert).map(a -> (AccountAlert) a).toList();
    assertEquals(1, linked.size(), joined.toString());
    assertEquals("fresh", linked.get(0).accountId());
    assertTrue(linked.get(0).alertId().endsWith(":linked"));
    // The bar is the nominal 3 here: benign evidence is far below it.
    assertTrue(ownAlert("fresh", 3.5).isEmpty(), "band 1 after a linked alert is no escalation");
    List<Alert> escalated = ownAlert("fresh", 4.5);
    assertEquals(1, escalated.size(), "band 2 is");
    assertEquals("account:fresh:2", escalated.get(0).alertId());
    assertTrue(
        evidence("fresh", 25, StageMessage.FLAGGED).stream()
            .noneMatch(a -> a instanceof AccountAlert));
  }

  @Test
  void candidateBelowThePopulationsBar_isNotAlerted_andAboveItOnlyOncePerBand() {
    for (int i = 0; i < BENIGN; i++) {
      evidence("benign-" + i, 0.7, 0);
    }
    assertTrue(ownAlert("x", 2.9).isEmpty());
    assertEquals(1, ownAlert("x", 3.2).size());
    assertTrue(ownAlert("x", 3.9).isEmpty(), "same band");
    assertEquals(1, ownAlert("x", 4.1).size(), "next band");
  }

  @Test
  void candidatesBeforeTheThresholdIsCalibrated_areNotAlerted() {
    for (int i = 0; i < 100; i++) {
      evidence("benign-" + i, 0.7, 0);
    }
    assertTrue(ownAlert("x", 12).isEmpty(), "100 accounts cannot place a 0.1% threshold");
  }

  @Test
  void ordinaryPairSharingACard_isNotAlerted() {
    for (int i = 0; i < BENIGN; i++) {
      evidence("benign-" + i, 0.7, 0);
    }
    List<Alert> out = edge("benign-1", "benign-0");
    out.addAll(evidence("benign-1", 0.7, 0));
    assertTrue(out.isEmpty(), out.toString());
  }

  @Test
  void allowlistedMembers_areNeverFlagged() {
    for (int i = 0; i < BENIGN; i++) {
      evidence("benign-" + i, 0.7, 0);
    }
    List<Alert> out = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      out.addAll(evidence("batch-" + i, 25, StageMessage.ALLOWLISTED));
    }
    for (int i = 1; i < 5; i++) {
      out.addAll(edge("batch-" + i, "batch-0"));
    }
    assertTrue(out.isEmpty(), out.toString());
  }

  @Test
  void state_roundTripsAndContinuesIdentically() throws IOException {
    population();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    stage.writeTo(new DataOutputStream(bytes));
    ClusterStage back =
        ClusterStage.readFrom(
            new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())),
            DetectorConfig.builder().config());
    assertEquals(stage.liveClusters(), back.liveClusters());
    assertEquals(stage.clusterAlerts(), back.clusterAlerts());
    assertEquals(stage.flaggedAt("hydra-3"), back.flaggedAt("hydra-3"));
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    back.writeTo(new DataOutputStream(again));
    assertEquals(bytes.size(), again.size());
    assertTrue(java.util.Arrays.equals(bytes.toByteArray(), again.toByteArray()));
  }
}
