package io.distillwatch.core.detect;

import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A reproducible stream of exchanges for detector tests: every field derives from the seed. Benign
 * accounts work office hours in bursts, reuse a popular IDE template and some public benchmark
 * prompts, from one or two IPs; a small coordinated group shares one payment fingerprint and a few
 * rare templates, sends fresh prompts round the clock at a steady pace from many IPs, asks for
 * reasoning and long outputs. Sorted by event time (ties keep generation order).
 */
final class SyntheticStream {
  static final long START = 1_700_000_000_000L;
  static final long MINUTE = 60_000L;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;
  private static final Category[] CATEGORIES = Category.values();
  private static final String[] MODELS = {"m-large", "m-small", "m-code"};

  private SyntheticStream() {}

  /**
   * @param benign benign accounts
   * @param attackers accounts of the coordinated group
   * @param days length of the stream
   */
  static List<Exchange> generate(long seed, int benign, int attackers, int days) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Exchange> out = new ArrayList<>();
    for (int a = 0; a < benign; a++) {
      benign(rnd.split(), "user-" + a, a, days, out);
    }
    for (int a = 0; a < attackers; a++) {
      attacker(rnd.split(), "svc-" + a, a, days, out);
    }
    out.sort(Comparator.comparingLong(Exchange::timestamp));
    return out;
  }

  private static void benign(SplittableRandom r, String id, int n, int days, List<Exchange> out) {
    String org = r.nextInt(4) == 0 ? "org-" + r.nextInt(20) : null;
    String payment = "card-" + n;
    String ip = "10." + r.nextInt(200) + "." + r.nextInt(250) + "." + (1 + r.nextInt(250));
    String ua = r.nextBoolean() ? "python-sdk/1.2" : "ide-plugin/3.1";
    String model = MODELS[r.nextInt(MODELS.length)];
    int firstDay = r.nextInt(Math.max(1, days / 2));
    int activeDays = 1 + r.nextInt(days - firstDay);
    double perDay = 2 + r.nextInt(25);
    for (int d = firstDay; d < firstDay + activeDays; d++) {
      if (r.nextInt(5) == 0) {
        continue; // a day off
      }
      long t = START + d * DAY + (8 + r.nextInt(4)) * HOUR + r.nextInt(60) * MINUTE;
      int count = (int) Math.max(1, perDay * (0.5 + r.nextDouble()));
      for (int i = 0; i < count; i++) {
        // bursts: mostly short gaps, now and then a long pause
        t += r.nextInt(6) == 0 ? (20 + r.nextInt(90)) * MINUTE : (5 + r.nextInt(120)) * 1000L;
        boolean benchmark = r.nextInt(4) == 0;
        out.add(
            Exchange.builder(t, id)
                .orgId(org)
                .ip(r.nextInt(10) == 0 ? "172.16.0." + r.nextInt(250) : ip)
                .asn("AS" + (64500 + n % 7))
                .userAgent(ua)
                .paymentFingerprint(payment)
                .model(r.nextInt(8) == 0 ? MODELS[r.nextInt(MODELS.length)] : model)
                .inputTokens(50 + r.nextInt(2000))
                .outputTokens(20 + r.nextInt(800))
                .templateHash(r.nextBoolean() ? "tpl-ide" : "tpl-" + n + "-" + r.nextInt(3))
                .promptHash(benchmark ? "bench-" + r.nextInt(200) : "p-" + id + "-" + r.nextLong())
                .category(CATEGORIES[r.nextInt(CATEGORIES.length)])
                .reasoningRequested(r.nextInt(6) == 0)
                .toolCalls(r.nextInt(10) == 0 ? 1 : 0)
                .status(200)
                .build());
      }
    }
  }

  private static void attacker(SplittableRandom r, String id, int n, int days, List<Exchange> out) {
    long t = START + r.nextInt(6) * HOUR + r.nextInt(60) * MINUTE;
    long end = START + days * DAY;
    long gap = (20 + r.nextInt(10)) * MINUTE;
    while (t < end) {
      t += gap + r.nextInt(20) * 1000L;
      out.add(
          Exchange.builder(t, id)
              .ip("203.0." + r.nextInt(8) + "." + (1 + r.nextInt(40)))
              .asn("AS" + (13000 + r.nextInt(40)))
              .userAgent("python-requests/2.31")
              .paymentFingerprint("card-shared-7731")
              .model("m-large")
              .inputTokens(300 + r.nextInt(200))
              .outputTokens(2500 + r.nextInt(1500))
              .templateHash("tpl-distill-" + r.nextInt(4))
              .promptHash("x-" + id + "-" + r.nextLong())
              .category(r.nextBoolean() ? Category.CODING : Category.REASONING)
              .reasoningRequested(true)
              .toolCalls(0)
              .status(200)
              .build());
    }
  }
}
