package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.link.Cluster;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.link.StageMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
            null,
            0,
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

  /** An edge through one template-set band, as the link stage sends it. */
  private List<Alert> bandEdge(String id, String other) {
    List<Alert> out = new ArrayList<>();
    stage.process(linkAt(StageMessage.Type.EDGE, LinkKey.TEMPLATE_SET, id, other, clock++), out);
    return out;
  }

  /**
   * The population, then five accounts of moderate evidence {@code ln} sharing a card (alerted as a
   * cluster), then {@code crowd} ordinary accounts already joined to each other by one band.
   */
  private List<Alert> alertedFiveAndACrowd(double ln, int crowd) {
    for (int i = 0; i < BENIGN; i++) {
      evidence("benign-" + i, 0.7, 0);
    }
    List<Alert> alerts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      alerts.addAll(evidence("op-" + i, ln, 0));
    }
    for (int i = 1; i < 5; i++) {
      alerts.addAll(edge("op-" + i, "op-0"));
    }
    for (int i = 0; i < crowd; i++) {
      alerts.addAll(evidence("crowd-" + i, 0.7, 0));
    }
    for (int i = 1; i < crowd; i++) {
      alerts.addAll(bandEdge("crowd-" + i, "crowd-0"));
    }
    return alerts;
  }

  private static List<String> flaggedAccounts(List<Alert> alerts) {
    return alerts.stream()
        .filter(a -> a instanceof AccountAlert)
        .map(a -> ((AccountAlert) a).accountId())
        .toList();
  }

  @Test
  void alertedGroupReachingALargerOrdinaryCrowd_doesNotFlagTheCrowd() {
    List<Alert> before = alertedFiveAndACrowd(4, 21);
    assertTrue(
        before.stream().anyMatch(a -> a instanceof ClusterAlert), "the five are alerted first");
    assertTrue(flaggedAccounts(before).stream().noneMatch(id -> id.startsWith("crowd-")));
    long opFlagged = stage.flaggedAt("op-3");
    assertTrue(opFlagged != Long.MIN_VALUE && opFlagged >= 0, "op-3 flagged with its cluster");

    // One weak link (a template still rare early in a stream) joins the crowd to the five.
    List<Alert> merged = bandEdge("crowd-0", "op-0");
    // Every later evaluation of a crowd member, and a fresh account linking to the merger.
    for (int i = 0; i < 21; i++) {
      merged.addAll(evidence("crowd-" + i, 0.7, 0));
    }
    merged.addAll(bandEdge("fresh", "crowd-5"));
    // Mean evidence (5 x 4 + 21 x 0.7) / 26 = 1.3 nats: the merger does not earn an alert itself.
    assertTrue(merged.isEmpty(), merged.toString());
    assertEquals(Long.MIN_VALUE, stage.flaggedAt("crowd-7"));
    assertEquals(opFlagged, stage.flaggedAt("op-3"), "the five stay flagged");
  }

  @Test
  void smallerGroupJoiningAnAlertedCluster_isFlaggedWithIt() {
    alertedFiveAndACrowd(4, 0);
    List<Alert> out = evidence("pair-0", 0.7, 0);
    out.addAll(evidence("pair-1", 0.7, 0));
    out.addAll(bandEdge("pair-1", "pair-0"));
    assertTrue(out.isEmpty(), "an ordinary pair alone is not alerted: " + out);
    List<Alert> joined = bandEdge("pair-0", "op-2");
    // Named by the merged cluster's alert (its band rose) or by linked alerts: either way flagged.
    for (String id : List.of("pair-0", "pair-1")) {
      assertTrue(stage.flaggedAt(id) != Long.MIN_VALUE, id + " not flagged: " + joined);
      assertTrue(joined.toString().contains(id), id + " not named: " + joined);
    }
  }

  @Test
  void largerGroupThatEarnsTheAlertAsMerged_isFlaggedByTheClusterAlert() {
    // Five strongly suspicious accounts, then six more of them already linked by a band.
    List<Alert> before = alertedFiveAndACrowd(25, 0);
    assertTrue(before.stream().anyMatch(a -> a instanceof ClusterAlert));
    for (int i = 0; i < 6; i++) {
      evidence("second-" + i, 25, 0);
    }
    for (int i = 1; i < 6; i++) {
      bandEdge("second-" + i, "second-0");
    }
    List<Alert> merged = bandEdge("second-0", "op-0");
    List<ClusterAlert> clusters =
        merged.stream().filter(a -> a instanceof ClusterAlert).map(a -> (ClusterAlert) a).toList();
    assertEquals(1, clusters.size(), merged.toString());
    assertEquals(11, clusters.get(0).accounts().size());
    for (int i = 0; i < 6; i++) {
      assertTrue(stage.flaggedAt("second-" + i) != Long.MIN_VALUE, "second-" + i);
    }
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

  // -------------------------------------------------------------------------------------------
  // releasing idle lone accounts

  private static final long MINUTE = 60_000;

  /** Idle eviction 1 hour, re-evaluation 30 minutes: lone accounts go after 90 idle minutes. */
  private static DetectorConfig shortIdle() {
    return DetectorConfig.builder()
        .idleEviction(Duration.ofHours(1))
        .reevaluateEvery(Duration.ofMinutes(30))
        .config();
  }

  private static StageMessage evidenceAt(String id, long ts, double ln) {
    return StageMessage.evidence(
        id, AccountProfile.hash(id), 0, ts, 1, ln, BAR, StageMessage.CALIBRATED);
  }

  private static StageMessage edgeAt(String id, String other, long ts) {
    return linkAt(StageMessage.Type.EDGE, LinkKey.PAYMENT, id, other, ts);
  }

  private static StageMessage linkAt(
      StageMessage.Type type, LinkKey kind, String id, String other, long ts) {
    return new StageMessage(
        type,
        AccountProfile.hash(id),
        id,
        AccountProfile.hash(id),
        0,
        kind,
        77,
        "key-77",
        other,
        AccountProfile.hash(other),
        0,
        ts,
        1,
        Double.NaN,
        Double.NaN,
        0,
        1000,
        null,
        0,
        null);
  }

  private static List<Alert> send(ClusterStage s, StageMessage m) {
    List<Alert> out = new ArrayList<>();
    s.process(m, out);
    return out;
  }

  private static byte[] bytes(ClusterStage s) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    s.writeTo(new DataOutputStream(b));
    return b.toByteArray();
  }

  private static ClusterStage restore(byte[] b, DetectorConfig config) throws IOException {
    return ClusterStage.readFrom(new DataInputStream(new ByteArrayInputStream(b)), config);
  }

  /**
   * A million throwaway accounts, one message each, 100 ms apart (28 hours), and ten pairs joined
   * at the start: the stage never holds more than the accounts named within the release horizon
   * plus the pairs, its indices never exceed that, and the pairs are never released.
   */
  @Test
  void process_millionSingleMessageAccounts_holdsOnlyAccountsNamedWithinTheHorizon() {
    ClusterStage s = new ClusterStage(shortIdle());
    long horizon = s.releaseAfterMillis();
    assertEquals(90 * MINUTE, horizon);
    long t0 = 1_776_902_400_000L;
    for (int p = 0; p < 10; p++) {
      send(s, edgeAt("pair-a" + p, "pair-b" + p, t0));
    }
    long step = 100;
    int n = 1_000_000;
    long withinHorizon = horizon / step + 1; // messages with ts in [clock - horizon, clock]
    int mostHeld = 0;
    for (int i = 0; i < n; i++) {
      send(s, evidenceAt("throwaway-" + i, t0 + i * step, 0.5));
      int held = s.accounts();
      mostHeld = Math.max(mostHeld, held);
      assertTrue(held <= withinHorizon + 20, i + ": holds " + held);
    }
    assertEquals(withinHorizon + 20, mostHeld, "a lone account is held until the horizon passes");
    assertTrue(s.linker.indices() <= withinHorizon + 20, "indices " + s.linker.indices());
    assertEquals(n + 20 - s.accounts(), s.releasedAccounts());
    assertEquals(10, s.liveClusters());
    for (int p = 0; p < 10; p++) {
      assertTrue(s.holds("pair-a" + p) && s.holds("pair-b" + p), "pair " + p + " released");
      assertEquals(2, s.clusterSize("pair-b" + p));
    }
    assertFalse(s.holds("throwaway-0"));
    assertTrue(s.holds("throwaway-" + (n - 1)));
  }

  @Test
  void process_releasedAccountSeenAgain_isANewAccountOnAReusedIndex() {
    ClusterStage s = new ClusterStage(shortIdle());
    long t = 1_000_000;
    for (int i = 0; i < BENIGN; i++) {
      send(s, evidenceAt("benign-" + i, t, 0.7));
    }
    AccountAlert candidate =
        new AccountAlert("account:x:candidate", "x", t, 0.999, 10, Map.of(), List.of());
    StageMessage alert =
        StageMessage.alert(
            candidate,
            AccountProfile.hash("x"),
            0,
            3.5 * Math.log(10),
            StageMessage.FLAGGED | StageMessage.CALIBRATED);
    assertEquals(1, send(s, alert).size());
    assertTrue(send(s, alert).isEmpty(), "same band, held: no repeat");
    assertEquals(t, s.flaggedAt("x"));
    int indices = s.linker.indices();

    // 91 minutes later every account so far is idle past the horizon and alone.
    long later = t + s.releaseAfterMillis() + 1;
    send(s, evidenceAt("y", later, 0.7));
    assertFalse(s.holds("x"));
    assertFalse(s.holds("benign-0"));
    assertEquals(1, s.accounts());
    assertEquals(BENIGN + 1, s.releasedAccounts());
    assertEquals(Long.MIN_VALUE, s.flaggedAt("x"));

    // The threshold keeps what it learned, so x is judged on the same bar, as a new account.
    List<Alert> again = send(s, alert);
    assertEquals(List.of("account:x:1"), again.stream().map(Alert::alertId).toList());
    assertTrue(s.holds("x"));
    assertEquals(indices, s.linker.indices(), "x reuses a released index");
    assertTrue(send(s, edgeAt("x", "y", later)).isEmpty());
    assertEquals(2, s.clusterSize("x"));
    assertEquals(2, s.accounts());
  }

  @Test
  void process_indicatorNamingAReleasedFirstUser_doesNotHoldItAgain() {
    ClusterStage s = new ClusterStage(shortIdle());
    long t = 1_000_000;
    send(s, evidenceAt("first", t, 0.5));
    send(s, evidenceAt("a", t, 0.5));
    send(s, evidenceAt("b", t, 0.5));
    send(s, edgeAt("a", "b", t));
    send(s, linkAt(StageMessage.Type.INDICATOR, LinkKey.IP, "a", "first", t + 60 * MINUTE));
    long later = t + s.releaseAfterMillis() + 1;
    send(s, linkAt(StageMessage.Type.INDICATOR, LinkKey.IP, "a", "first", later));
    assertFalse(s.holds("first"), "an indicator is not the first user's activity");
    assertEquals(2, s.accounts(), "the pair only");
    send(s, linkAt(StageMessage.Type.INDICATOR, LinkKey.IP, "b", "a", later));
    Cluster pair = s.linker.clusterOf(s.indexOf("a"));
    assertEquals(List.of("key-77"), pair.indicators().get(LinkKey.IP), "held pair: recorded");
  }

  /**
   * The warm-up before clusters are scored counts accounts ever heard of: after a quiet spell that
   * released most of the population, 150 accounts held (fewer than {@code minCalibrationSamples},
   * 200) still make a five-account campaign's coordination rare enough to alert on.
   */
  @Test
  void process_fewAccountsHeldAfterReleases_clustersStillScored() {
    ClusterStage s = new ClusterStage(shortIdle());
    long t = 1_000_000;
    for (int i = 0; i < BENIGN; i++) {
      send(s, evidenceAt("benign-" + i, t, 0.7));
    }
    long later = t + s.releaseAfterMillis() + 1;
    for (int i = 0; i < 150; i++) {
      send(s, evidenceAt("benign-" + i, later, 0.7));
    }
    assertEquals(150, s.accounts());
    List<Alert> alerts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      alerts.addAll(send(s, evidenceAt("hydra-" + i, later, 25)));
    }
    for (int i = 1; i < 5; i++) {
      alerts.addAll(send(s, edgeAt("hydra-" + i, "hydra-0", later)));
    }
    assertTrue(s.accounts() < DetectorConfig.builder().config().minCalibrationSamples());
    assertTrue(alerts.stream().anyMatch(a -> a instanceof ClusterAlert), alerts.toString());
  }

  @Test
  void process_outOfOrderMessage_neverReleasesAnAccountEarly() {
    ClusterStage s = new ClusterStage(shortIdle());
    long t = 10 * 60 * MINUTE;
    send(s, evidenceAt("a", t, 0.5));
    send(s, evidenceAt("late", t - 5 * 60 * MINUTE, 0.5)); // behind the clock by 5 hours
    assertTrue(s.holds("late"), "stamped with the clock, not its own old time");
    assertEquals(t, s.clock());
    send(s, evidenceAt("b", t + s.releaseAfterMillis(), 0.5));
    assertTrue(s.holds("late") && s.holds("a"), "idle exactly the horizon: kept");
    send(s, evidenceAt("b", t + s.releaseAfterMillis() + 1, 0.5));
    assertFalse(s.holds("late") || s.holds("a"), "idle longer than the horizon: released");
  }

  /**
   * Random evidence and edges among 150 account names over time that jumps ahead now and then, over
   * many seeds: after every message the stage holds exactly the accounts the exact model holds
   * (clustered, or named within the horizon), each in the model's cluster, and {@code
   * componentTail} equals its value computed from the model's components. The model releases a lone
   * account as soon as the clock passes its horizon, and a released account named again is a new
   * node with no tie to its old one.
   */
  @Test
  void componentTail_randomScenarioWithReleases_matchesExactModel() {
    DetectorConfig config = shortIdle();
    for (int seed = 0; seed < 10; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      ClusterStage s = new ClusterStage(config);
      long horizon = s.releaseAfterMillis();
      Map<String, Integer> node = new HashMap<>(); // held account -> model node
      Map<String, Long> seen = new HashMap<>();
      List<Integer> parent = new ArrayList<>();
      long clock = Long.MIN_VALUE;
      long t = 1_000_000;
      for (int step = 0; step < 1_500; step++) {
        t += random.nextInt(10) == 0 ? random.nextLong(2 * horizon) : random.nextLong(MINUTE);
        long ts = t - (random.nextInt(8) == 0 ? random.nextLong(horizon) : 0); // some late
        String a = "acct-" + random.nextInt(150);
        String b = random.nextInt(4) == 0 ? "acct-" + random.nextInt(150) : null;
        if (ts > clock) {
          clock = ts;
          long cut = clock - horizon;
          Map<Integer, Integer> sizes = new HashMap<>();
          for (int v : node.values()) {
            sizes.merge(find(parent, v), 1, Integer::sum);
          }
          node.entrySet()
              .removeIf(
                  e -> sizes.get(find(parent, e.getValue())) == 1 && seen.get(e.getKey()) < cut);
          seen.keySet().retainAll(node.keySet());
        }
        for (String id : b == null ? List.of(a) : List.of(a, b)) {
          if (!node.containsKey(id)) {
            parent.add(parent.size());
            node.put(id, parent.size() - 1);
          }
          seen.put(id, clock);
        }
        if (b == null) {
          send(s, evidenceAt(a, ts, random.nextDouble() * 3));
        } else {
          send(s, edgeAt(a, b, ts));
          int ra = find(parent, node.get(a));
          int rb = find(parent, node.get(b));
          if (ra != rb) {
            parent.set(ra, rb);
          }
        }
        String where = "seed " + seed + " step " + step;
        assertEquals(node.size(), s.accounts(), where + ": held");
        Map<Integer, Integer> sizes = new HashMap<>();
        for (int v : node.values()) {
          sizes.merge(find(parent, v), 1, Integer::sum);
        }
        for (int i = 0; i < 150; i++) {
          String id = "acct-" + i;
          assertEquals(node.containsKey(id), s.holds(id), where + ": " + id);
          if (node.containsKey(id)) {
            assertEquals(sizes.get(find(parent, node.get(id))), s.clusterSize(id), where);
          }
        }
        int[] byBucket = new int[32];
        sizes.values().stream()
            .filter(z -> z > 1)
            .forEach(z -> byBucket[31 - Integer.numberOfLeadingZeros(z)]++);
        for (int size = 2; size <= 32; size++) {
          long atLeast = 0;
          for (int k = 31 - Integer.numberOfLeadingZeros(size); k < 32; k++) {
            atLeast += byBucket[k];
          }
          double exact = Math.min(1.0, Math.max(1, atLeast) / (double) Math.max(1, sizes.size()));
          assertEquals(exact, s.linker.componentTail(size), where + ": componentTail " + size);
        }
      }
      assertTrue(s.releasedAccounts() > 0, "seed " + seed + " released nobody");
    }
  }

  private static int find(List<Integer> parent, int v) {
    while (parent.get(v) != v) {
      v = parent.get(v);
    }
    return v;
  }

  /**
   * A stage snapshotted in the middle of a scenario with releases, restored and fed the rest, emits
   * the same alerts as the original and ends byte-identical to it; so does a snapshot of the
   * restored stage taken at once.
   */
  @Test
  void state_withReleasedIndices_roundTripsAndContinuesIdentically() throws IOException {
    DetectorConfig config = shortIdle();
    List<StageMessage> messages = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(42);
    long t = 1_000_000;
    for (int i = 0; i < 2_500; i++) {
      messages.add(evidenceAt("benign-" + i, t + i, 0.7));
    }
    t += 2_500;
    for (int step = 0; step < 6_000; step++) {
      t += random.nextInt(20) == 0 ? 40 * MINUTE : random.nextLong(MINUTE / 4);
      String a = "acct-" + random.nextInt(400);
      int kind = random.nextInt(10);
      if (kind < 6) {
        messages.add(evidenceAt(a, t, random.nextInt(400) == 0 ? 25 : random.nextDouble() * 2));
      } else if (kind < 8) {
        messages.add(edgeAt(a, "acct-" + random.nextInt(400), t));
      } else {
        AccountAlert c =
            new AccountAlert("account:" + a + ":c", a, t, 0.99, 5, Map.of(), List.of());
        messages.add(
            StageMessage.alert(
                c,
                AccountProfile.hash(a),
                0,
                (3 + random.nextDouble() * 3) * Math.log(10),
                StageMessage.FLAGGED | StageMessage.CALIBRATED));
      }
    }
    ClusterStage original = new ClusterStage(config);
    int cut = messages.size() * 2 / 3;
    for (int i = 0; i < cut; i++) {
      send(original, messages.get(i));
    }
    assertTrue(original.releasedAccounts() > 0, "the scenario must release accounts");
    assertTrue(original.liveClusters() > 0, "and build clusters");
    byte[] snapshot = bytes(original);
    ClusterStage restored = restore(snapshot, config);
    assertArrayEquals(snapshot, bytes(restored), "re-snapshot differs");
    List<String> expected = new ArrayList<>();
    List<String> actual = new ArrayList<>();
    for (int i = cut; i < messages.size(); i++) {
      send(original, messages.get(i)).forEach(a -> expected.add(a.toString()));
      send(restored, messages.get(i)).forEach(a -> actual.add(a.toString()));
    }
    assertTrue(!expected.isEmpty(), "the rest of the scenario raises alerts");
    assertEquals(expected, actual);
    assertArrayEquals(bytes(original), bytes(restored));
  }

  @Test
  void readFrom_idleListNamingAReleasedIndex_refused() throws IOException {
    ClusterStage s = new ClusterStage(shortIdle());
    send(s, evidenceAt("a", 1_000_000, 0.5));
    send(s, evidenceAt("c", 1_000_000, 0.5));
    send(s, evidenceAt("b", 1_000_000 + s.releaseAfterMillis() + 1, 0.5));
    // a (index 0) and c (1) were released, and b took c's index, the last released.
    assertEquals(1, s.linker.indices() - s.accounts());
    byte[] b = bytes(s);
    // The idle list is the last int pair: count 1, index 1 (b). Point it at a's released index.
    assertEquals(1, java.nio.ByteBuffer.wrap(b, b.length - 4, 4).getInt());
    java.nio.ByteBuffer.wrap(b, b.length - 4, 4).putInt(0);
    SnapshotFormatException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            SnapshotFormatException.class, () -> restore(b, shortIdle()));
    assertTrue(e.getMessage().contains("idle list entry 0"), e.getMessage());
  }

  /**
   * The account map against an exact {@code HashMap}, over many seeds: keys from a small range (so
   * probe runs collide and removals shift entries back) plus key 0, enough churn to grow and shrink
   * the table several times.
   */
  @Test
  void indexMap_randomPutsAndRemoves_matchExactHashMap() {
    for (int seed = 0; seed < 10; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      ClusterStage.IndexMap map = new ClusterStage.IndexMap();
      Map<Long, Integer> model = new HashMap<>();
      int range = 2_000 + random.nextInt(4_000);
      int maxCapacity = 0;
      for (int step = 0; step < 60_000; step++) {
        // Grow for the first half, then mostly remove, so the table doubles and then halves.
        boolean growing = step < 30_000;
        long key = random.nextInt(range) * (random.nextBoolean() ? 1L : 0x100000000L);
        int op = random.nextInt(10);
        if (op < (growing ? 6 : 2)) {
          int value = random.nextInt(1 << 20);
          boolean added = map.put(key, value);
          assertEquals(!model.containsKey(key), added, "put " + key);
          model.putIfAbsent(key, value);
        } else if (op < 9) {
          map.remove(key);
          model.remove(key);
        }
        assertEquals(model.getOrDefault(key, -1), map.get(key), "get " + key);
        maxCapacity = Math.max(maxCapacity, map.capacity());
        if (step % 1_000 == 0) {
          assertEquals(model.size(), map.size());
          for (long k = 0; k < range; k++) {
            assertEquals(model.getOrDefault(k, -1), map.get(k), "seed " + seed + " key " + k);
          }
        }
      }
      assertEquals(model.size(), map.size());
      assertTrue(maxCapacity >= 4096, "did not grow: " + maxCapacity);
      assertTrue(map.capacity() <= Math.max(1024, 8 * model.size()), "did not shrink");
    }
  }

  private List<Alert> evaluation(String id, long profileStart) {
    double[] values = new double[Signal.values().length];
    java.util.Arrays.fill(values, Double.NaN);
    values[Signal.RATE_VS_POPULATION.ordinal()] = 1.0;
    StageMessage m =
        StageMessage.evaluation(
            id,
            AccountProfile.hash(id),
            0,
            clock++,
            10,
            profileStart,
            new io.distillwatch.core.link.AccountSignals(values, new double[6]),
            0);
    List<Alert> out = new ArrayList<>();
    stage.process(m, out);
    return out;
  }

  @Test
  void evaluation_fromAFreshProfile_startsTheAccountsEvaluationStateAfresh() {
    evaluation("x", 100);
    stage.adoptEvaluationState("x", 100, 500, ThresholdCalibrator.NONE, 3);
    double[] values = new double[Signal.values().length];
    java.util.Arrays.fill(values, Double.NaN);
    var s = new io.distillwatch.core.link.AccountSignals(values, new double[6]);
    assertEquals(500, stage.explain("x", 10, s).flaggedAt(), "own flag kept");
    evaluation("x", 100);
    assertEquals(500, stage.explain("x", 10, s).flaggedAt(), "same profile: kept");
    evaluation("x", 200);
    assertEquals(-1, stage.explain("x", 10, s).flaggedAt(), "a new profile starts afresh");
  }
}
