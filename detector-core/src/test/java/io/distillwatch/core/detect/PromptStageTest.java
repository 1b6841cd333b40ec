package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Novelty of prompts, and of exchanges that carry no prompt hash: those count as new (the content
 * signals count new prompts only, so "seen" left a gateway without prompt hashes blind) and are not
 * remembered.
 */
class PromptStageTest {
  private static final long START = 1_700_000_000_000L;
  private static final long MINUTE = 60_000L;

  @Test
  void promptSeenBefore_isNotNew_whateverAccountSendsIt() {
    PromptStage stage = new PromptStage(DetectorConfig.builder().config());
    Exchange first = Exchange.builder(START, "a").promptHash("benchmark-item-1").build();
    Exchange again = Exchange.builder(START + MINUTE, "b").promptHash("benchmark-item-1").build();
    Exchange other = Exchange.builder(START + MINUTE, "b").promptHash("benchmark-item-2").build();
    assertTrue(stage.novel(first));
    assertFalse(stage.novel(again));
    assertTrue(stage.novel(other));
  }

  @Test
  void withoutPromptHash_everyExchangeIsNew_andNoneIsRemembered() {
    PromptStage stage = new PromptStage(DetectorConfig.builder().noveltyBits(8).config());
    stage.novel(Exchange.builder(START, "a").promptHash("remembered").build());
    for (int i = 0; i < 1_000; i++) {
      Exchange e = Exchange.builder(START + i * MINUTE, "a" + i % 3).templateHash("t").build();
      assertEquals(0, PromptStage.promptKey(e));
      assertTrue(stage.novel(e), "exchange " + i);
    }
    // 256 sets of 4: a thousand remembered stand-ins would have pushed the one prompt out.
    assertEquals(1, Arrays.stream(stage.novelty.slots()).filter(s -> s != 0).count());
    assertFalse(stage.novel(Exchange.builder(START, "z").promptHash("remembered").build()));
  }

  /**
   * The template signal counts distinct new prompts on rare templates. Without prompt hashes each
   * exchange stands for a prompt of its own, so an operator filling five templates reads as it does
   * with hashes (60 prompts over 5 templates: log1p(12), about 2.6), over several seeds.
   */
  @Test
  void withoutPromptHashes_templateStructure_countsEachExchangeAsAPrompt() {
    for (long seed = 1; seed <= 3; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      List<Exchange> stream = new ArrayList<>();
      for (int a = 0; a < 40; a++) {
        long t = START + a * MINUTE;
        for (int i = 0; i < 60; i++) {
          t += (1 + r.nextInt(8)) * MINUTE;
          boolean operator = a < 6;
          String template = operator ? "op-template-" + r.nextInt(5) : "own-" + a + "-" + i;
          stream.add(
              TemplateSetLinkingTest.exchange(
                  t, (operator ? "op-" : "user-") + a, "192.0.2." + a, template, r));
        }
      }
      stream.sort(Comparator.comparingLong(Exchange::timestamp));
      ExtractionDetector withHashes = ExtractionDetector.builder().build();
      ExtractionDetector without = ExtractionDetector.builder().build();
      for (Exchange e : stream) {
        withHashes.observe(e);
        without.observe(e.toBuilder().promptHash(null).build());
      }
      String signal = Signal.TEMPLATE_STRUCTURE.wireName();
      for (int a = 0; a < 6; a++) {
        double v = without.explain("op-" + a).signals().get(signal);
        double expected = withHashes.explain("op-" + a).signals().get(signal);
        assertTrue(v > 2, "op-" + a + " structure " + v + ", seed " + seed);
        // The stand-ins and the hashes are distinct values alike: HyperLogLog counts them alike
        // up to its error (precision 6: about 10%).
        assertEquals(expected, v, 0.35 * expected, "op-" + a + ", seed " + seed);
      }
    }
  }
}
