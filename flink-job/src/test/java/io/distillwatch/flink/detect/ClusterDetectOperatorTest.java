package io.distillwatch.flink.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.detect.AccountProfile;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkKeyState;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.SmallTrace;
import io.distillwatch.flink.types.AlertSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterDetectOperator}: with several link subtasks before it, the alerts do not depend on
 * how the messages between two watermarks (or checkpoint barriers) were interleaved; with one, it
 * processes each message as it comes.
 */
class ClusterDetectOperatorTest {
  private static final CoreStages STAGES =
      new CoreStages(
          new DetectorSettings(0.001, Set.of(), Set.of(), Duration.ofDays(7).toMillis()));

  /**
   * The cluster stage's input over the job ITCases' trace ({@link SmallTrace}: two weeks, three
   * campaigns, every hard negative), as one account and one link subtask produce it, in order.
   */
  private static List<StageMessage> messages;

  @BeforeAll
  static void messages() {
    Stages.AccountLogic<AccountProfile, StageMessage> accounts = STAGES.newAccountStage();
    accounts.shards(1, 1, 0);
    Stages.PromptLogic prompts = STAGES.newPromptStage();
    Stages.LinkLogic<LinkKeyState, StageMessage> links = STAGES.newLinkStage();
    Map<String, AccountProfile> profiles = new HashMap<>();
    Map<Long, LinkKeyState> keys = new HashMap<>();
    List<StageMessage> out = new ArrayList<>();
    List<StageMessage> hop = new ArrayList<>();
    messages = new ArrayList<>();
    for (Exchange e : SmallTrace.SPEC.generator()) {
      out.clear();
      boolean novel = prompts.novel(io.distillwatch.core.detect.PromptStage.promptKey(e));
      profiles.put(e.accountId(), accounts.observe(profiles.get(e.accountId()), e, novel, out));
      for (StageMessage m : out) {
        hop.clear();
        long route = STAGES.route(m);
        if (links.keyed(m)) {
          LinkKeyState after = links.process(keys.get(route), m, hop);
          if (after == null) {
            keys.remove(route);
          } else {
            keys.put(route, after);
          }
        } else {
          links.process(null, m, hop);
        }
        messages.addAll(hop);
      }
    }
    assertTrue(messages.size() > 10_000, "messages " + messages.size());
  }

  private static OneInputStreamOperatorTestHarness<StageMessage, Alert> harness(boolean ordered)
      throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(new ClusterDetectOperator<>(STAGES, ordered));
    h.setup(new AlertSerializer());
    h.open();
    return h;
  }

  /** The alerts of one run: batches cut at the same places, each shuffled with {@code seed}. */
  private static List<String> run(List<Integer> cuts, long seed) throws Exception {
    Random random = new Random(seed);
    try (var h = harness(true)) {
      int from = 0;
      for (int cut : cuts) {
        List<StageMessage> batch = new ArrayList<>(messages.subList(from, cut));
        Collections.shuffle(batch, random);
        long watermark = Long.MIN_VALUE;
        for (StageMessage m : batch) {
          h.processElement(new StreamRecord<>(m, m.timestamp()));
          watermark = Math.max(watermark, m.timestamp());
        }
        if (from == 0) {
          assertTrue(h.extractOutputValues().isEmpty(), "nothing is processed before a watermark");
        }
        h.processWatermark(new Watermark(watermark));
        from = cut;
      }
      return h.extractOutputValues().stream().map(AlertJson::toJson).toList();
    }
  }

  @Test
  void severalLinkSubtasks_alertsDoNotDependOnTheInterleavingWithinABatch() throws Exception {
    Random random = new Random(11);
    List<Integer> cuts = new ArrayList<>();
    for (int at = 0; at < messages.size(); ) {
      at = Math.min(messages.size(), at + 1 + random.nextInt(4_000));
      cuts.add(at);
    }
    List<String> first = run(cuts, 1);
    assertTrue(first.size() >= 10, "alerts " + first.size());
    for (long seed = 2; seed <= 4; seed++) {
      assertEquals(first, run(cuts, seed), "shuffle " + seed);
    }
  }

  @Test
  void oneLinkSubtask_processesEachMessageAsItComes() throws Exception {
    List<String> expected = new ArrayList<>();
    Stages.ClusterLogic<StageMessage> core = STAGES.newClusterStage();
    List<Alert> out = new ArrayList<>();
    int firstAlertAt = -1;
    for (int i = 0; i < messages.size(); i++) {
      out.clear();
      core.process(messages.get(i), out);
      out.forEach(a -> expected.add(AlertJson.toJson(a)));
      if (firstAlertAt < 0 && !out.isEmpty()) {
        firstAlertAt = i;
      }
    }
    try (var h = harness(false)) {
      for (int i = 0; i < messages.size(); i++) {
        h.processElement(new StreamRecord<>(messages.get(i), messages.get(i).timestamp()));
        if (i == firstAlertAt) {
          assertEquals(1, h.extractOutputValues().size(), "no watermark needed");
        }
      }
      assertEquals(expected, h.extractOutputValues().stream().map(AlertJson::toJson).toList());
    }
  }

  @Test
  void heldMessages_processedBeforeTheBarrier_andWhenTheInputGoesQuiet() throws Exception {
    try (var h = harness(true)) {
      h.setProcessingTime(0);
      int n = messages.size() / 2;
      for (int i = 0; i < n; i++) {
        h.processElement(new StreamRecord<>(messages.get(i), messages.get(i).timestamp()));
      }
      assertTrue(h.extractOutputValues().isEmpty());
      h.prepareSnapshotPreBarrier(1);
      int atBarrier = h.extractOutputValues().size();
      assertTrue(atBarrier > 0, "the first half's alerts come out before the barrier");
      h.snapshot(1, 1);
      for (int i = n; i < messages.size(); i++) {
        h.processElement(new StreamRecord<>(messages.get(i), messages.get(i).timestamp()));
      }
      h.setProcessingTime(ClusterDetectOperator.IDLE_FLUSH_MILLIS - 1);
      assertEquals(atBarrier, h.extractOutputValues().size(), "still arriving, as far as it knows");
      h.setProcessingTime(ClusterDetectOperator.IDLE_FLUSH_MILLIS);
      assertTrue(h.extractOutputValues().size() > atBarrier, "quiet for a second: processed");
    }
  }
}
