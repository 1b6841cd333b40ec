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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ClusterDetectOperator}: each message processed as it comes, as the core's stage does. */
class ClusterDetectOperatorTest {
  private static final CoreStages STAGES =
      new CoreStages(
          new DetectorSettings(0.001, Set.of(), Set.of(), Duration.ofDays(7).toMillis()));

  /**
   * The cluster stage's input over the job ITCases' trace ({@link SmallTrace}: two weeks, three
   * campaigns, every hard negative), as one account and one link subtask produce it, in order.
   */
  static List<StageMessage> messages;

  @BeforeAll
  static void messages() {
    messages = clusterInput();
  }

  /** The cluster stage's input over {@link SmallTrace}, from in-process account and link stages. */
  static List<StageMessage> clusterInput() {
    Stages.AccountLogic<AccountProfile, StageMessage> accounts = STAGES.newAccountStage();
    accounts.shards(1, 1, 0);
    Stages.PromptLogic prompts = STAGES.newPromptStage();
    Stages.LinkLogic<LinkKeyState, StageMessage> links = STAGES.newLinkStage();
    Map<String, AccountProfile> profiles = new HashMap<>();
    Map<Long, LinkKeyState> keys = new HashMap<>();
    List<StageMessage> out = new ArrayList<>();
    List<StageMessage> hop = new ArrayList<>();
    List<StageMessage> messages = new ArrayList<>();
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
    return messages;
  }

  private static OneInputStreamOperatorTestHarness<StageMessage, Alert> harness() throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(new ClusterDetectOperator<>(STAGES));
    h.setup(new AlertSerializer());
    h.open();
    return h;
  }

  @Test
  void processesEachMessageAsItComes_asTheCoreStageDoes() throws Exception {
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
    try (var h = harness()) {
      for (int i = 0; i < messages.size(); i++) {
        h.processElement(new StreamRecord<>(messages.get(i), messages.get(i).timestamp()));
        if (i == firstAlertAt) {
          assertEquals(1, h.extractOutputValues().size(), "no watermark needed");
        }
      }
      assertEquals(expected, h.extractOutputValues().stream().map(AlertJson::toJson).toList());
    }
  }
}
