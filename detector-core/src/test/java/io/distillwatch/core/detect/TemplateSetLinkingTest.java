package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.sketch.MinHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Template-set linking on a cold stream: an IDE's shared system prompts are rare while their first
 * users adopt them, and common soon after. Those first users must not be linked as a group by the
 * prompts they picked up early, while a small operator filling its own rare templates still is. Two
 * guards do it: sets are purged of templates that turned common before each banding (tested with
 * the warm-up off), and no template enters a set during the stream's first day (the warm-up).
 */
class TemplateSetLinkingTest {
  private static final long START = 1_700_000_000_000L;
  private static final long MINUTE = 60_000L;
  private static final int IDE_USERS = 300;
  private static final int OPERATOR = 6;

  @Test
  void earlyAdoptersOfATemplateThatTurnsCommon_areNotLinked_whileAnOperatorIs() {
    for (long seed = 1; seed <= 3; seed++) {
      ExtractionDetector detector =
          ExtractionDetector.builder().templateSetWarmUp(Duration.ZERO).build();
      for (Exchange e : stream(seed, false, START + 5 * MINUTE)) {
        detector.observe(e);
      }
      assertEquals(List.of(), linkedIdeUsers(detector), "IDE users linked, seed " + seed);
      assertOperatorLinked(detector, seed);
    }
  }

  /**
   * The warm-up's case: IDE users who fill templates of their own from their first exchanges have
   * three rare templates while the IDE's two are still rare, and without the warm-up some of the
   * first ones are linked (for good: clusters are never split). With the default warm-up none is,
   * while an operator that starts two hours after it is linked within its first exchanges.
   */
  @Test
  void firstHoursAdoptersOfATemplateThatTurnsCommon_areNotLinked_afterTheWarmUpAnOperatorIs() {
    int linkedWithoutWarmUp = 0;
    for (long seed = 1; seed <= 3; seed++) {
      ExtractionDetector cold =
          ExtractionDetector.builder().templateSetWarmUp(Duration.ZERO).build();
      ExtractionDetector warm = ExtractionDetector.builder().build();
      long afterWarmUp = START + warm.config().templateSetWarmUpMillis() + 2 * 60 * MINUTE;
      for (Exchange e : stream(seed, true, afterWarmUp)) {
        cold.observe(e);
        warm.observe(e);
      }
      linkedWithoutWarmUp += linkedIdeUsers(cold).size();
      assertEquals(
          List.of(), linkedIdeUsers(warm), "IDE users linked after the warm-up, seed " + seed);
      assertOperatorLinked(warm, seed);
    }
    assertTrue(
        linkedWithoutWarmUp >= 2,
        "without the warm-up, first IDE users are linked (else this stream tests nothing): "
            + linkedWithoutWarmUp);
  }

  /**
   * An operator whose accounts start with the stream and send seven prompts in ten without one of
   * its 40 templates (each such prompt's template hash is its own): by the end of the warm-up the
   * one-off templates hold most of each account's whole template set, so the whole sets hardly
   * agree in any band, yet the accounts link after it through the templates they come back to (the
   * reused-template set), while the IDE users stay apart. Without the reused bands (measured by
   * leaving them unsent) one account stays out of the group on seed 1: the shared template keys
   * sampled at the accounts' evaluation points link the rest.
   */
  @Test
  void operatorFromTheStreamsStart_diluted_linksAfterTheWarmUpByReusedTemplates() {
    for (long seed = 1; seed <= 3; seed++) {
      ExtractionDetector detector = ExtractionDetector.builder().build();
      long warmUp = detector.config().templateSetWarmUpMillis();
      SplittableRandom r = new SplittableRandom(seed);
      List<Exchange> stream = stream(seed, true, START + 365 * 24 * 60 * MINUTE); // no op here
      stream.removeIf(e -> e.accountId().startsWith("op-"));
      List<Exchange> all = new ArrayList<>(stream);
      for (int a = 0; a < OPERATOR; a++) {
        long t = START + a * MINUTE;
        while (t < START + warmUp + 36 * 60 * MINUTE) {
          t += (1 + r.nextInt(8)) * MINUTE;
          double u = r.nextDouble();
          String template =
              r.nextInt(10) < 3 ? "op-pool-" + (int) (40 * u * u) : "free-" + r.nextLong();
          all.add(exchange(t, "op-" + a, "192.0.2." + a, template, r));
        }
      }
      all.sort(Comparator.comparingLong(Exchange::timestamp));
      for (Exchange e : all) {
        detector.observe(e);
      }
      for (int a = 0; a < OPERATOR; a++) {
        MinHash whole = profile(detector, "op-" + a).templateSet;
        int pool = 0;
        int bins = 0;
        for (long f : ReusedTemplatesTest.features(whole)) {
          bins++;
          pool += isPool(f) ? 1 : 0;
        }
        assertTrue(
            pool * 2 < bins, "op-" + a + ": pool templates hold " + pool + " of " + bins + " bins");
      }
      assertEquals(List.of(), linkedIdeUsers(detector), "IDE users linked, seed " + seed);
      assertOperatorLinked(detector, seed);
    }
  }

  private static AccountProfile profile(ExtractionDetector detector, String account) {
    for (AccountProfile p : detector.profiles.values()) {
      if (p.accountId().equals(account)) {
        return p;
      }
    }
    throw new AssertionError("no profile of " + account);
  }

  private static boolean isPool(long feature) {
    for (int i = 0; i < 40; i++) {
      if (feature == AccountProfile.hash("op-pool-" + i)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> linkedIdeUsers(ExtractionDetector detector) {
    List<String> linked = new ArrayList<>();
    for (int a = 0; a < IDE_USERS; a++) {
      if (detector.explain("ide-" + a).clusterSize() > 1) {
        linked.add("ide-" + a);
      }
    }
    return linked;
  }

  private static void assertOperatorLinked(ExtractionDetector detector, long seed) {
    for (int a = 0; a < OPERATOR; a++) {
      assertEquals(
          OPERATOR,
          detector.explain("op-" + a).clusterSize(),
          "operator account op-" + a + " joined its group, seed " + seed);
    }
  }

  /**
   * IDE users start two minutes apart, each sends 60 exchanges a few minutes apart. Unless {@code
   * ownFromStart}, the first 12 fill one of the IDE's two system prompts, later ones 90% so and the
   * rest a template of their own: the first 20 users adopt the IDE's prompts while they are rare,
   * and none has a third template before the prompts have more users than the rarity cap (20). With
   * {@code ownFromStart}, one exchange in four fills a template of the user's own from the first.
   * The operator's accounts start a minute apart from {@code operatorStart} and fill five templates
   * nobody else uses.
   */
  private static List<Exchange> stream(long seed, boolean ownFromStart, long operatorStart) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Exchange> out = new ArrayList<>();
    for (int a = 0; a < IDE_USERS; a++) {
      long t = START + a * 2 * MINUTE;
      for (int i = 0; i < 60; i++) {
        t += (1 + r.nextInt(8)) * MINUTE;
        boolean ide = ownFromStart ? r.nextInt(4) > 0 : i < 12 || r.nextInt(10) < 9;
        String template = ide ? "ide-system-" + r.nextInt(2) : "own-" + a + "-" + r.nextInt(1000);
        out.add(exchange(t, "ide-" + a, "10.1." + (a / 250) + "." + (a % 250), template, r));
      }
    }
    for (int a = 0; a < OPERATOR; a++) {
      long t = operatorStart + a * MINUTE;
      for (int i = 0; i < 60; i++) {
        t += (1 + r.nextInt(8)) * MINUTE;
        String template = "op-template-" + r.nextInt(5);
        out.add(exchange(t, "op-" + a, "192.0.2." + a, template, r));
      }
    }
    out.sort(Comparator.comparingLong(Exchange::timestamp));
    return out;
  }

  /** An exchange of an IDE-like client, one card per account; also used by other tests. */
  static Exchange exchange(long t, String account, String ip, String template, SplittableRandom r) {
    return Exchange.builder(t, account)
        .ip(ip)
        .asn("AS64500")
        .userAgent("ide-plugin/3.1")
        .paymentFingerprint("card-" + account)
        .model("m-code")
        .inputTokens(500 + r.nextInt(2000))
        .outputTokens(100 + r.nextInt(600))
        .templateHash(template)
        .promptHash("p-" + r.nextLong())
        .category(Category.values()[r.nextInt(Category.values().length)])
        .status(200)
        .build();
  }
}
