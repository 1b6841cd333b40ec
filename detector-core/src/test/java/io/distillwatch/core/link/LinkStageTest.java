package io.distillwatch.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.sketch.Hash64;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinkStageTest {
  private final LinkStage stage = HydraLinker.builder().buildLinkStage();

  private static StageMessage observe(int account, LinkKey kind, long key, double live) {
    String id = "acct-" + account;
    return StageMessage.observe(id, hash(id), 0, kind, key, "k" + key, 1000L + account, 1, live);
  }

  private static long hash(String id) {
    long h = Hash64.hash(id);
    return h == 0 ? 1 : h;
  }

  @Test
  void sharedRarePayment_edgesToItsFirstUser() {
    List<StageMessage> out = new ArrayList<>();
    stage.process(observe(1, LinkKey.PAYMENT, 42, 1000), out);
    assertTrue(out.isEmpty(), "the first user links nobody");
    stage.process(observe(1, LinkKey.PAYMENT, 42, 1000), out);
    assertTrue(out.isEmpty(), "the first user again links nobody");
    stage.process(observe(2, LinkKey.PAYMENT, 42, 1000), out);
    assertEquals(1, out.size());
    StageMessage edge = out.get(0);
    assertEquals(StageMessage.Type.EDGE, edge.type());
    assertEquals("acct-2", edge.accountId());
    assertEquals("acct-1", edge.otherId());
    assertEquals(hash("acct-1"), edge.otherHash());
  }

  /**
   * A key idle for longer than the idle time starts afresh, whoever kept its state: this map (which
   * still holds it) decides exactly as the job's keyed state does after a timer dropped it.
   */
  @Test
  void keyIdleLongerThanIdleTime_startsAfresh_asIfDropped() {
    long idle = 3_600_000;
    LinkStage kept =
        HydraLinker.builder().idleKeys(java.time.Duration.ofMillis(idle)).buildLinkStage();
    StageMessage first = observe(1, LinkKey.PAYMENT, 42, 1000);
    List<StageMessage> out = new ArrayList<>();
    kept.process(first, out);
    LinkKeyState dropped = null; // the job's state once its timer fired
    // Within the idle time the second user links to the first ...
    StageMessage soon = at(observe(2, LinkKey.PAYMENT, 42, 1000), first.timestamp() + idle);
    List<StageMessage> keptOut = new ArrayList<>();
    kept.process(soon, keptOut);
    assertEquals(1, keptOut.size(), "linked within the idle time");
    // ... after it, the key is new: its user becomes the first user, linked to nobody.
    StageMessage late = at(observe(3, LinkKey.PAYMENT, 42, 1000), soon.timestamp() + idle + 1);
    keptOut.clear();
    kept.process(late, keptOut);
    List<StageMessage> droppedOut = new ArrayList<>();
    LinkKeyState fresh = kept.process(dropped, late, droppedOut);
    assertTrue(keptOut.isEmpty(), "an idle key links nobody: " + keptOut);
    assertEquals(droppedOut, keptOut);
    assertEquals("acct-3", fresh.anchorId);
    // And the key's new first user is what later users link to.
    StageMessage next = at(observe(4, LinkKey.PAYMENT, 42, 1000), late.timestamp() + 1);
    keptOut.clear();
    kept.process(next, keptOut);
    assertEquals(1, keptOut.size());
    assertEquals("acct-3", keptOut.get(0).otherId());
  }

  private static StageMessage at(StageMessage m, long ts) {
    return StageMessage.observe(
        m.accountId(),
        m.accountHash(),
        m.orgHash(),
        m.kind(),
        m.keyHash(),
        m.value(),
        ts,
        m.exchanges(),
        m.liveAccounts());
  }

  @Test
  void warmingUpObservations_countAndKeepTheFirstUser_butLinkNobody() {
    List<StageMessage> out = new ArrayList<>();
    for (int a = 1; a <= 3; a++) {
      String id = "acct-" + a;
      stage.process(
          StageMessage.observe(
              id,
              hash(id),
              0,
              LinkKey.TEMPLATE_SET,
              99,
              "k99",
              1000L + a,
              1,
              1000,
              StageMessage.WARMING_UP),
          out);
    }
    assertEquals(List.of(), out, "no edge during the warm-up");
    // After it, a user of the band links to the first user seen during the warm-up ...
    stage.process(observe(4, LinkKey.TEMPLATE_SET, 99, 1000), out);
    assertEquals(1, out.size());
    assertEquals(StageMessage.Type.EDGE, out.get(0).type());
    assertEquals("acct-1", out.get(0).otherId());
    // ... as does a warm-up user banding again, and the warm-up users were counted: once the band
    // has more users than its cap (20), nobody links on it.
    out.clear();
    stage.process(observe(2, LinkKey.TEMPLATE_SET, 99, 1000), out);
    assertEquals("acct-1", out.get(0).otherId());
    for (int a = 5; a <= 60; a++) {
      out.clear();
      stage.process(observe(a, LinkKey.TEMPLATE_SET, 99, 1000), out);
    }
    assertEquals(List.of(), out, "an edge on a band of 60 users");
  }

  @Test
  void nonJoiningKind_givesIndicatorsNotEdges() {
    List<StageMessage> out = new ArrayList<>();
    stage.process(observe(1, LinkKey.IP, 7, 1000), out);
    stage.process(observe(2, LinkKey.IP, 7, 1000), out);
    assertEquals(1, out.size());
    assertEquals(StageMessage.Type.INDICATOR, out.get(0).type());
  }

  @Test
  void keyAboveItsCap_linksNobodyMore() {
    // Template-set bands: cap max(20, 0.5% of 1,000 live) = 20 distinct accounts.
    List<StageMessage> out = new ArrayList<>();
    int edges = 0;
    for (int a = 0; a < 200; a++) {
      out.clear();
      stage.process(observe(a, LinkKey.TEMPLATE_SET, 99, 1000), out);
      edges += out.size();
    }
    // HyperLogLog with 32 registers: the cut falls near 20, within a few standard errors.
    assertTrue(edges >= 12 && edges <= 32, "edges " + edges);
    assertEquals(1, stage.keys());
  }

  @Test
  void capGrowsWithThePopulation() {
    double small = stage.cap(LinkKey.PAYMENT, 1000);
    double large = stage.cap(LinkKey.PAYMENT, 1_000_000);
    assertEquals(1000, small);
    assertEquals(20_000, large);
  }

  @Test
  void evidenceAndAlerts_passThroughUntouched() {
    List<StageMessage> out = new ArrayList<>();
    StageMessage e = StageMessage.evidence("a", 5, 0, 1, 10, 3.0, 3.0, 0);
    StageMessage al =
        StageMessage.alert(
            new AccountAlert("account:a:1", "a", 1, 0.99, 10, Map.of(), List.of()), 5, 0, 9.0, 0);
    assertSame(null, stage.process(null, e, out));
    stage.process(al, out);
    assertEquals(List.of(e, al), out);
    // A key state the message does not use comes back as it was: callers may skip the lookup.
    LinkKeyState held =
        stage.process(null, observe(1, LinkKey.PAYMENT, 5, 1000), new ArrayList<>());
    long lastSeen = held.lastSeen();
    assertSame(held, stage.process(held, e, out));
    assertEquals(lastSeen, held.lastSeen());
    assertFalse(LinkStage.keyed(e));
    assertFalse(LinkStage.keyed(al));
    assertTrue(LinkStage.keyed(observe(1, LinkKey.PAYMENT, 5, 1000)));
  }

  @Test
  void templateSetBands_sentWithoutText_areNamedFromTheirHashOnTheEdge() {
    List<StageMessage> out = new ArrayList<>();
    for (int a = 1; a <= 2; a++) {
      String id = "acct-" + a;
      stage.process(
          StageMessage.observe(
              id, hash(id), 0, LinkKey.TEMPLATE_SET, 0xBEEFL, null, 1000L + a, 1, 1000),
          out);
    }
    assertEquals(1, out.size());
    assertEquals(StageMessage.Type.EDGE, out.get(0).type());
    assertEquals("minhash-band-beef", out.get(0).indicatorValue());
    // Other kinds keep the text they were sent with, and a key sent without text has none.
    assertEquals("k7", observe(1, LinkKey.IP, 7, 1000).indicatorValue());
    assertNull(
        StageMessage.observe("a", 1, 0, LinkKey.SUBNET, 7, null, 1, 1, 1000).indicatorValue());
  }

  @Test
  void stateAndMessages_roundTripThroughTheirForms() throws IOException {
    List<StageMessage> out = new ArrayList<>();
    LinkKeyState s = stage.process(null, observe(1, LinkKey.PAYMENT, 3, 10), out);
    s = stage.process(s, observe(2, LinkKey.PAYMENT, 3, 10), out);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    s.writeTo(new DataOutputStream(bytes));
    LinkKeyState back =
        LinkKeyState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertEquals(s.lastSeen(), back.lastSeen());
    assertEquals(s.distinctAccounts(), back.distinctAccounts());

    StageMessage alert =
        StageMessage.alert(
            new AccountAlert(
                "account:x:2", "x", 5, 0.5, 7, Map.of("rate", 1.5), List.of("a reason", "ü")),
            11,
            12,
            7.5,
            StageMessage.FLAGGED);
    StageMessage evaluation =
        StageMessage.evaluation(
            "y",
            13,
            14,
            20,
            33,
            15,
            new AccountSignals(
                new double[] {1.5, Double.NaN, 0.25}, new double[] {1, 2, 3, 4, 5, 6}),
            StageMessage.ALLOWLISTED);
    for (StageMessage m :
        List.of(out.get(0), alert, observe(3, LinkKey.SUBNET, 9, 5), evaluation)) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      m.writeTo(new DataOutputStream(b));
      StageMessage r =
          StageMessage.readFrom(new DataInputStream(new ByteArrayInputStream(b.toByteArray())));
      assertNotNull(r);
      assertEquals(m, r);
      assertEquals(m.toString(), r.toString());
    }
  }

  /**
   * Form 1 is form 2 without its tail (profile start, no signals): in-flight messages still read.
   */
  @Test
  void stageMessageForm1_stillReads() throws IOException {
    StageMessage m = StageMessage.evidence("x", 11, 12, 5, 7, 3.5, 2.0, StageMessage.CALIBRATED);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    m.writeTo(new DataOutputStream(b));
    byte[] form2 = b.toByteArray();
    byte[] form1 = java.util.Arrays.copyOf(form2, form2.length - 9); // long + boolean
    StageMessage r = StageMessage.readFrom(new DataInputStream(new ByteArrayInputStream(form1)), 1);
    assertEquals(m, r);
  }
}
