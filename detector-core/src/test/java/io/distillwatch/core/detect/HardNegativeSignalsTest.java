package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Two signals that measured the wrong thing on hard negatives: {@code template_structure} counted
 * an IDE agent's system prompt, shared by thousands of developers, as each developer's own
 * template; and {@code timing_regularity} read one busy sitting's random gaps as a machine's
 * schedule before anything could show it was one sitting. Each test sets the hard negative beside
 * the campaign pattern the signal is for, over several seeds.
 */
class HardNegativeSignalsTest {
  private static final long START = 1_700_000_000_000L;
  private static final long SECOND = 1_000L;
  private static final long MINUTE = 60 * SECOND;
  private static final String TIMING = Signal.TIMING_REGULARITY.wireName();
  private static final String ROUND_THE_CLOCK = Signal.ROUND_THE_CLOCK.wireName();
  private static final String TEMPLATES = Signal.TEMPLATE_STRUCTURE.wireName();

  /**
   * 300 developers whose IDE agent wraps 90% of their new prompts in one of two system prompts
   * (common after its first 20 users), and an operator's six accounts filling five templates of
   * their own with new prompts. The operator's structure stands out; the developers' does not,
   * however many new prompts they send under the shared prompt.
   */
  @Test
  void templateStructure_templateSharedByManyAccounts_isNotTheAccountsStructure() {
    for (long seed = 1; seed <= 3; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      List<Exchange> stream = new ArrayList<>();
      for (int a = 0; a < 300; a++) {
        long t = START + a * 2 * MINUTE;
        for (int i = 0; i < 60; i++) {
          t += (1 + r.nextInt(8)) * MINUTE;
          String template =
              r.nextInt(10) < 9 ? "ide-system-" + r.nextInt(2) : "own-" + a + "-" + r.nextInt(1000);
          stream.add(
              TemplateSetLinkingTest.exchange(
                  t, "ide-" + a, "10.1." + (a / 250) + "." + (a % 250), template, r));
        }
      }
      for (int a = 0; a < 6; a++) {
        long t = START + (5 + a) * MINUTE;
        for (int i = 0; i < 60; i++) {
          t += (1 + r.nextInt(8)) * MINUTE;
          stream.add(
              TemplateSetLinkingTest.exchange(
                  t, "op-" + a, "192.0.2." + a, "op-template-" + r.nextInt(5), r));
        }
      }
      ExtractionDetector detector = replay(stream);
      double operatorLowest = Double.POSITIVE_INFINITY;
      for (int a = 0; a < 6; a++) {
        operatorLowest = Math.min(operatorLowest, signal(detector, "op-" + a, TEMPLATES));
      }
      // 60 new prompts over 5 templates: log1p(12), about 2.6.
      assertTrue(operatorLowest > 2, "operator structure " + operatorLowest + ", seed " + seed);
      // Users after the 20th adopt the shared prompt once it is common: only their own few
      // templates count, each with about one new prompt (log1p(1) times a 10% share).
      for (int a = 40; a < 300; a++) {
        double v = signal(detector, "ide-" + a, TEMPLATES);
        assertTrue(v < 0.25, "ide-" + a + " structure " + v + ", seed " + seed);
      }
    }
  }

  /**
   * One busy sitting of 16 to 23 exchanges, a second or a minute apart at random (a developer's
   * session, a benchmark harness's first items), next to an account pacing the same number of
   * exchanges minutes apart: the sitting's burstiness is not read until the hour-of-day entropy is,
   * which shows it confined to an hour; the paced account's is, as its gaps span over an hour.
   */
  @Test
  void timingRegularity_oneSitting_waitsForHourOfDay_whilePacedAccountIsRead() {
    for (long seed = 1; seed <= 5; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      List<Exchange> stream = new ArrayList<>();
      long harness = START;
      long developer = START;
      long paced = START;
      for (int i = 0; i < 20; i++) {
        harness += (long) (-Math.log(1 - r.nextDouble()) * SECOND) + 1;
        developer += (long) (-Math.log(1 - r.nextDouble()) * MINUTE) + 1;
        paced += 5 * MINUTE + r.nextInt(30) * SECOND;
        stream.add(
            TemplateSetLinkingTest.exchange(
                harness, "harness", "192.0.2.1", "bench-" + r.nextInt(3), r));
        stream.add(
            TemplateSetLinkingTest.exchange(
                developer, "developer", "192.0.2.2", "own-" + r.nextInt(1000), r));
        stream.add(
            TemplateSetLinkingTest.exchange(paced, "paced", "192.0.2.3", "op-" + r.nextInt(5), r));
      }
      stream.sort(Comparator.comparingLong(Exchange::timestamp));
      ExtractionDetector detector = replay(stream);
      assertFalse(signals(detector, "harness").containsKey(TIMING), "harness, seed " + seed);
      assertFalse(signals(detector, "developer").containsKey(TIMING), "developer, seed " + seed);
      assertTrue(signal(detector, "paced", TIMING) > 0.5, "paced, seed " + seed);

      // Past 24 exchanges the sitting's burstiness is read, with the entropy beside it.
      for (int i = 0; i < 10; i++) {
        harness += (long) (-Math.log(1 - r.nextDouble()) * SECOND) + 1;
        detector.observe(
            TemplateSetLinkingTest.exchange(
                harness, "harness", "192.0.2.1", "bench-" + r.nextInt(3), r));
      }
      Map<String, Double> s = signals(detector, "harness");
      assertTrue(s.containsKey(TIMING) && s.containsKey(ROUND_THE_CLOCK), "seed " + seed + s);
      assertTrue(s.get(ROUND_THE_CLOCK) < 0.1, "one sitting, one hour: " + s);
    }
  }

  /**
   * Where a gateway reports no ASNs, infrastructure spread (distinct IPs per exchange times the log
   * of distinct networks) is read from the addresses alone, networks counted as one: a proxy
   * rotation still stands out from one address, instead of both reading 0.
   */
  @Test
  void infrastructureSpread_withoutAsns_isReadFromTheAddressesAlone() {
    String spread = Signal.INFRASTRUCTURE_SPREAD.wireName();
    for (long seed = 1; seed <= 3; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      List<Exchange> stream = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        long t = START + i * MINUTE;
        stream.add(withoutAsn(t, "rotating", "198.51.100." + i, r));
        stream.add(withoutAsn(t + 1, "one-address", "198.51.100.200", r));
        stream.add(
            TemplateSetLinkingTest.exchange(t + 2, "with-asn", "203.0.113." + i, "u-" + i, r));
      }
      ExtractionDetector detector = replay(stream);
      double rotating = signal(detector, "rotating", spread);
      double oneAddress = signal(detector, "one-address", spread);
      assertTrue(rotating > 0.5, "seed " + seed + ": " + rotating);
      assertTrue(oneAddress < 0.1, "seed " + seed + ": " + oneAddress);
      assertTrue(signal(detector, "with-asn", spread) > 0.5, "seed " + seed);
    }
  }

  private static Exchange withoutAsn(long t, String account, String ip, SplittableRandom r) {
    return Exchange.builder(t, account)
        .ip(ip)
        .inputTokens(500 + r.nextInt(2000))
        .outputTokens(100 + r.nextInt(600))
        .templateHash("t-" + r.nextInt(1000))
        .promptHash("p-" + r.nextLong())
        .status(200)
        .build();
  }

  private static ExtractionDetector replay(List<Exchange> stream) {
    ExtractionDetector detector = ExtractionDetector.builder().build();
    for (Exchange e : stream) {
      detector.observe(e);
    }
    return detector;
  }

  private static Map<String, Double> signals(ExtractionDetector d, String account) {
    return d.explain(account).signals();
  }

  private static double signal(ExtractionDetector d, String account, String signal) {
    Double v = signals(d, account).get(signal);
    assertTrue(v != null, account + " has no " + signal);
    return v;
  }
}
