package io.distillwatch.flink.types;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillwatch.core.detect.AccountProfile;
import io.distillwatch.core.detect.AccountStage;
import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkKeyState;
import io.distillwatch.core.link.LinkStage;
import io.distillwatch.core.link.StageMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Heap state is copied through the serializer while a checkpoint is in flight, so a copy must
 * behave exactly like the original afterwards, not only serialize to the same bytes.
 */
class RoundTripFidelityTest {
  @Test
  void linkKeyState_copiedAtEveryStep_estimatesDistinctAccountsAsOriginal() {
    DetectorConfig config = DetectorConfig.builder().config();
    AccountStage accounts = new AccountStage(config);
    accounts.shards(500); // 200 accounts seen stand for 100,000: the card stays rare enough to link
    LinkStage links = config.newLinkStage();
    LinkKeyStateSerializer s = new LinkKeyStateSerializer();
    LinkKeyState original = null;
    LinkKeyState copied = null;
    for (int i = 0; i < 200; i++) {
      List<StageMessage> out = new ArrayList<>();
      accounts.observe(
          null,
          Exchange.builder(1_776_902_400_000L + i, "acct-" + i).paymentFingerprint("card").build(),
          false,
          out);
      for (StageMessage m : out) {
        if (m.type() == StageMessage.Type.OBSERVE) {
          List<StageMessage> a = new ArrayList<>();
          List<StageMessage> b = new ArrayList<>();
          original = links.process(original, m, a);
          copied = links.process(copied, m, b);
          assertEquals(a, b, "link decisions after " + (i + 1) + " accounts");
        }
      }
      assertEquals(original.distinctAccounts(), copied.distinctAccounts(), "after " + (i + 1));
      copied = s.copy(copied); // what a checkpoint in flight may do to heap state
    }
  }

  @Test
  void accountProfile_copy_continuesLikeOriginal() throws Exception {
    DetectorConfig config = DetectorConfig.builder().config();
    AccountStage a = new AccountStage(config);
    AccountStage b = new AccountStage(config);
    AccountProfileSerializer s = new AccountProfileSerializer();
    AccountProfile pa = null;
    AccountProfile pb = null;
    for (int i = 0; i < 2000; i++) {
      Exchange e =
          Exchange.builder(1_776_902_400_000L + i * 37_000L, "acct")
              .ip("10.0." + (i % 7) + ".1")
              .templateHash("t" + (i % 13))
              .promptHash("p" + i)
              .outputTokens(1000 + i)
              .reasoningRequested(i % 2 == 0)
              .build();
      List<StageMessage> oa = new ArrayList<>();
      List<StageMessage> ob = new ArrayList<>();
      pa = a.observe(pa, e, true, oa); // every prompt here is new
      pb = b.observe(pb, e, true, ob);
      assertEquals(oa, ob, "messages at " + i);
      pb = s.copy(pb); // what a checkpoint in flight may do to heap state
    }
    assertEquals(
        java.util.Arrays.toString(SerializersTest.bytes(s, pa)),
        java.util.Arrays.toString(SerializersTest.bytes(s, pb)));
  }
}
