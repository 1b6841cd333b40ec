package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.sketch.HyperLogLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AccountProfileTest {
  private static final int SEEDS = 40;
  private static final long START = 1_700_000_000_000L;

  /**
   * A realistic account's traffic, every field derived from (seed, exchange number): timestamps
   * spread over days with exponential gaps and some reordering within the hourly window's lateness,
   * templates and IPs drawn from large pools, a few ASNs and models, optional fields sometimes
   * absent.
   */
  private static final class Traffic {
    final SplittableRandom r;
    final String accountId;
    final int templates;
    final int ips;
    final double meanGapMillis;
    long clock = START;

    Traffic(long seed) {
      r = new SplittableRandom(seed);
      // A UUID, then the org and project an enterprise's service-account name may carry, up to the
      // id budget.
      StringBuilder id = new StringBuilder(new UUID(r.nextLong(), r.nextLong()).toString());
      while (id.length() < ID_BUDGET) {
        id.append("/svc-").append(Long.toString(r.nextLong() >>> 1, 36));
      }
      accountId = id.substring(0, ID_BUDGET);
      templates = 50 + r.nextInt(2_000);
      ips = 10 + r.nextInt(1_000);
      meanGapMillis = 30_000 + r.nextInt(600_000);
    }

    Exchange next() {
      clock += (long) (-meanGapMillis * Math.log(1 - r.nextDouble()));
      // One exchange in ten arrives up to 30 minutes late.
      long ts = r.nextInt(10) == 0 ? clock - r.nextInt(30 * 60_000) : clock;
      int ip = r.nextInt(ips);
      return Exchange.builder(ts, accountId)
          .orgId(r.nextInt(3) == 0 ? null : "org-" + (accountId.hashCode() & 7))
          .paymentFingerprint("card-" + accountId.substring(0, 8))
          .ip(
              r.nextInt(20) == 0
                  ? null
                  : (10 + ip / 256) + "." + (ip % 256) + ".7." + r.nextInt(256))
          .asn("AS" + (64_500 + r.nextInt(12)))
          .userAgent(r.nextBoolean() ? "python-httpx/0.27" : "curl/8.4")
          .model("model-" + r.nextInt(4))
          .inputTokens(r.nextInt(4_000))
          .outputTokens(r.nextInt(16_000))
          .templateHash(r.nextInt(8) == 0 ? null : "tpl-" + r.nextInt(templates))
          .promptHash("prompt-" + r.nextLong())
          .category(Category.values()[r.nextInt(Category.values().length)])
          .reasoningRequested(r.nextInt(3) == 0)
          .toolCalls(r.nextInt(5) == 0 ? 1 + r.nextInt(3) : 0)
          .status(r.nextInt(50) == 0 ? 429 : 200)
          .build();
    }
  }

  /** Folds an exchange in as the detector does, including the model and LSH state it keeps. */
  private static void feed(AccountProfile p, Exchange e, KeyHashes h, SplittableRandom r) {
    h.compute(e);
    p.update(e, h, r.nextInt(4) != 0);
    if (h.template != 0) {
      p.addRareTemplate(h.template);
    }
    if (h.model != p.modelHash) {
      p.modelHash = h.model;
      p.modelAdoptedAt = e.timestamp();
      if (p.earlyModelHash == 0 && r.nextInt(4) == 0) {
        p.earlyModelHash = h.model;
      }
    }
    p.pivot.update(e.timestamp(), h.model == p.earlyModelHash ? 1.0 : 0.0);
  }

  private static AccountProfile profileAfter(Traffic t, int exchanges, KeyHashes h) {
    AccountProfile p = new AccountProfile(t.accountId);
    for (int i = 0; i < exchanges; i++) {
      feed(p, t.next(), h, t.r);
    }
    p.nextEvaluationAt = (long) Math.ceil(exchanges * 1.4142);
    p.lastEvaluatedTime = t.clock;
    p.evidence = 40 * t.r.nextDouble();
    p.alertBand = t.r.nextInt(4);
    p.flaggedAt = t.r.nextBoolean() ? Long.MIN_VALUE : t.clock - 1;
    p.allowlisted = t.r.nextInt(10) == 0;
    return p;
  }

  private static byte[] bytes(AccountProfile p) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.writeTo(new DataOutputStream(out));
    return out.toByteArray();
  }

  private static AccountProfile read(byte[] b) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
    AccountProfile p = AccountProfile.readFrom(in);
    assertEquals(-1, in.read(), "readFrom must consume exactly what writeTo wrote");
    return p;
  }

  @Test
  void readFrom_afterRealisticTraffic_writesIdenticalBytes() throws IOException {
    KeyHashes h = new KeyHashes();
    for (int seed = 0; seed < SEEDS; seed++) {
      Traffic t = new Traffic(seed);
      int n = seed % 5 == 0 ? seed % 3 : 100 + t.r.nextInt(5_000);
      AccountProfile p = profileAfter(t, n, h);
      byte[] written = bytes(p);
      AccountProfile copy = read(written);
      assertArrayEquals(written, bytes(copy), "seed " + seed + " after " + n + " exchanges");
      assertEquals(p.accountId, copy.accountId);
      assertEquals(p.accountHash, copy.accountHash);
      assertEquals(p.exchanges, copy.exchanges);
      assertEquals(n, copy.exchanges);
    }
  }

  /**
   * A restored profile is the same state, not just the same bytes: fed the same further traffic as
   * the original, it writes the same bytes again (state that writeTo dropped would diverge).
   */
  @Test
  void readFrom_thenMoreTraffic_evolvesLikeOriginal() throws IOException {
    KeyHashes h = new KeyHashes();
    for (int seed = 0; seed < SEEDS; seed++) {
      Traffic t = new Traffic(1_000 + seed);
      AccountProfile original = profileAfter(t, 200 + t.r.nextInt(2_000), h);
      AccountProfile restored = read(bytes(original));
      for (int i = 0; i < 500; i++) {
        Exchange e = t.next();
        long pivotDraw = t.r.nextLong();
        feed(original, e, h, new SplittableRandom(pivotDraw));
        feed(restored, e, h, new SplittableRandom(pivotDraw));
      }
      assertArrayEquals(bytes(original), bytes(restored), "seed " + seed);
      assertEquals(original.activeDays(), restored.activeDays());
      assertEquals(original.templates.estimate(), restored.templates.estimate());
      assertEquals(original.hourly.count(), restored.hourly.count());
    }
  }

  /**
   * The longest account id (in ASCII characters) for which the design budget of the class javadoc,
   * 1 KiB per profile, holds however long the account's history and however many distinct templates
   * and IPs it uses. Form 3 left room for 47 characters (the generator's ids have up to 17, a UUID
   * 36); form 4 leaves room for 200, as an enterprise's service-account names (an email address, a
   * path of org, project and key) can run past 47.
   */
  static final int ID_BUDGET = 200;

  /**
   * The design budget (class javadoc): under 1 KiB per profile, however long the account's history
   * and however many distinct templates and IPs it uses, with an account id of {@link #ID_BUDGET}
   * characters.
   */
  @Test
  void writeTo_thousandsOfExchangesManyTemplatesAndIps_atMost1024Bytes() throws IOException {
    KeyHashes h = new KeyHashes();
    int largest = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      Traffic t = new Traffic(2_000 + seed);
      AccountProfile p = profileAfter(t, 2_000 + t.r.nextInt(8_000), h);
      assertTrue(p.templates.estimate() > 40, "the traffic must use many templates");
      assertTrue(p.ips.estimate() > 9, "the traffic must use many IPs");
      assertEquals(ID_BUDGET, t.accountId.length());
      int size = bytes(p).length;
      largest = Math.max(largest, size);
      assertTrue(size <= 1024, "seed " + seed + ": " + size + " bytes");
    }
    // Most of the form is fixed-size (sketch registers, window headers); what grows with traffic
    // (window counts as varints) must have grown here, or the traffic was not a full profile.
    int empty = bytes(new AccountProfile(new Traffic(2_000).accountId)).length;
    assertTrue(largest > empty, "largest " + largest + ", empty " + empty);
  }

  /**
   * update skips adding the template, IP or ASN hash it added last (a no-op for a HyperLogLog): the
   * sketches must hold exactly what adding every hash gives, whatever the order of repeats, absent
   * keys, and a restore in between (which forgets the last keys).
   */
  @Test
  void update_skippingRepeatedKeys_sketchesEqualAddingEveryKey() throws IOException {
    KeyHashes h = new KeyHashes();
    for (int seed = 0; seed < 200; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      String id = "acct-" + seed;
      AccountProfile p = new AccountProfile(id);
      HyperLogLog templates = new HyperLogLog(AccountProfile.HLL_PRECISION);
      HyperLogLog ips = new HyperLogLog(AccountProfile.HLL_PRECISION);
      HyperLogLog asns = new HyperLogLog(AccountProfile.HLL_PRECISION);
      int pool = 1 + r.nextInt(seed % 2 == 0 ? 4 : 400);
      int n = r.nextInt(3_000);
      for (int i = 0; i < n; i++) {
        Exchange e =
            Exchange.builder(START + 1_000L * i, id)
                .templateHash(r.nextInt(8) == 0 ? null : "t" + r.nextInt(pool))
                .ip(r.nextInt(8) == 0 ? null : "10.0." + r.nextInt(pool) % 256 + ".1")
                .asn(r.nextInt(8) == 0 ? null : "AS" + r.nextInt(1 + pool / 8))
                .build();
        h.compute(e);
        if (r.nextInt(500) == 0) {
          p = read(bytes(p));
        }
        p.update(e, h, r.nextBoolean());
        if (h.template != 0) {
          templates.add(h.template);
        }
        if (h.ip != 0) {
          ips.add(h.ip);
        }
        if (h.asn != 0) {
          asns.add(h.asn);
        }
      }
      String where = "seed " + seed;
      assertArrayEquals(templates.toBytes(), p.templates.toBytes(), where);
      assertArrayEquals(ips.toBytes(), p.ips.toBytes(), where);
      assertArrayEquals(asns.toBytes(), p.asns.toBytes(), where);
    }
  }
}
