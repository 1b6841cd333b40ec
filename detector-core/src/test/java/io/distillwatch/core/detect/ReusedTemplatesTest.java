package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.sketch.MinHash;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/**
 * The reused-template set ({@link AccountProfile#reusedSet}): what an account's traffic comes back
 * to enters it, a template used once only by the first-use table's fingerprint chance (about 1 in
 * 254 per use), so an operator's pool keeps its bins where one-off templates crowd it out of the
 * whole set.
 */
class ReusedTemplatesTest {
  private static final int SEEDS = 500;

  @Test
  void aTemplateUsedTwiceInARow_isReused() {
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 10_000; i++) {
      AccountProfile p = new AccountProfile("acct");
      for (int k = r.nextInt(50); k > 0; k--) {
        p.addRareTemplate(r.nextLong()); // whatever the table held before
      }
      long template = r.nextLong();
      MinHash expected = p.reusedSet.copy();
      expected.add(template);
      p.addRareTemplate(template);
      p.addRareTemplate(template);
      assertEquals(expected, p.reusedSet, "template " + template);
    }
  }

  /**
   * addRareTemplate skips the adds of a template it added last: the sketches and the first-use
   * table must be exactly those of adding every time (a profile told to forget before each add),
   * with runs of repeats, and purges of the sets in between that the caller follows with {@link
   * AccountProfile#forgetRecentTemplates}.
   */
  @Test
  void skippingRepeats_sameStateAsAddingEveryTime() throws IOException {
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      AccountProfile skipping = new AccountProfile("acct");
      AccountProfile every = new AccountProfile("acct");
      long[] pool = r.longs(1 + r.nextInt(60)).toArray();
      long template = pool[0];
      for (int i = 0; i < 2_000; i++) {
        if (r.nextInt(3) == 0) {
          template = r.nextInt(4) == 0 ? r.nextLong() : pool[r.nextInt(pool.length)];
        }
        skipping.addRareTemplate(template);
        every.forgetRecentTemplates();
        every.addRareTemplate(template);
        if (r.nextInt(200) == 0) {
          long drop = pool[r.nextInt(pool.length)];
          long salt = r.nextLong();
          LongPredicate same = t -> t == drop || ((t ^ salt) & 7) == 0;
          for (AccountProfile p : List.of(skipping, every)) {
            p.templateSet.removeIf(same);
            p.reusedSet.removeIf(same);
          }
          skipping.forgetRecentTemplates();
        }
      }
      assertArrayEquals(bytes(every), bytes(skipping), "seed " + seed);
    }
  }

  /**
   * Admissions of one-off templates are bounded by the fingerprint chance: 300 distinct templates,
   * each used once, make at most 300 x 258/65,536 = 1.18 admissions on average (fingerprint 1 is
   * twice as likely as the others), and occupied bins are at most the admissions. The bound is
   * checked on the mean over 500 accounts (its standard error is about 0.05).
   */
  @Test
  void templatesUsedOnce_enterOnlyByFingerprintChance() {
    long occupied = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      AccountProfile p = new AccountProfile("acct-" + seed);
      for (int i = 0; i < 300; i++) {
        p.addRareTemplate(r.nextLong());
      }
      occupied += p.reusedSet.occupiedBins();
      assertEquals(1, Math.min(1, p.templateSet.occupiedBins()), "the whole set holds them");
    }
    double mean = (double) occupied / SEEDS;
    assertTrue(mean <= 300 * 258 / 65536.0 + 4 * 0.05, "mean occupied bins " + mean);
  }

  /**
   * Two accounts of one operator: each sends 1,024 exchanges, half on the operator's pool of 40
   * templates (favourites most, as the generator's campaigns do), half free-form prompts whose
   * template hashes are their own. The whole template sets end up held mostly by one-offs, which
   * two accounts never share; the reused sets by the pool, which they do.
   */
  @Test
  void anOperatorsPool_holdsTheReusedSet_whileOneOffsHoldTheWholeSet() {
    double poolShareReused = 0;
    double poolShareWhole = 0;
    double sharedReused = 0;
    double sharedWhole = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      long[] pool = r.longs(40).toArray();
      Set<Long> poolSet = new HashSet<>();
      for (long t : pool) {
        poolSet.add(t);
      }
      AccountProfile a = operatorAccount("a", pool, r);
      AccountProfile b = operatorAccount("b", pool, r);
      poolShareReused += share(features(a.reusedSet), poolSet);
      poolShareWhole += share(features(a.templateSet), poolSet);
      sharedReused += sharesABand(a.reusedSet, b.reusedSet) ? 1 : 0;
      sharedWhole += sharesABand(a.templateSet, b.templateSet) ? 1 : 0;
    }
    poolShareReused /= SEEDS;
    poolShareWhole /= SEEDS;
    sharedReused /= SEEDS;
    sharedWhole /= SEEDS;
    String figures =
        String.format(
            "pool share reused %.3f whole %.3f; a band shared reused %.3f whole %.3f",
            poolShareReused, poolShareWhole, sharedReused, sharedWhole);
    // About 512 one-offs against 40 pool templates: the whole set's bins go to the pool about 40
    // times in 552, the reused set's all but by the fingerprint chance (about 2 one-offs in).
    assertTrue(poolShareWhole < 0.25, figures);
    assertTrue(poolShareReused > 0.85, figures);
    assertTrue(sharedReused > 0.95, figures);
    assertTrue(sharedWhole < 0.6, figures);
  }

  private static AccountProfile operatorAccount(String id, long[] pool, SplittableRandom r) {
    AccountProfile p = new AccountProfile(id);
    for (int i = 0; i < 1024; i++) {
      if (r.nextBoolean()) {
        double u = r.nextDouble();
        p.addRareTemplate(pool[(int) (pool.length * u * u)]);
      } else {
        p.addRareTemplate(r.nextLong());
      }
    }
    return p;
  }

  /** The features a MinHash holds as bin minima, recovered by {@link MinHash#removeIf}. */
  static Set<Long> features(MinHash set) {
    Set<Long> out = new HashSet<>();
    set.copy()
        .removeIf(
            f -> {
              out.add(f);
              return false;
            });
    return out;
  }

  private static double share(Set<Long> features, Set<Long> pool) {
    if (features.isEmpty()) {
      return 0;
    }
    int in = 0;
    for (long f : features) {
      if (pool.contains(f)) {
        in++;
      }
    }
    return (double) in / features.size();
  }

  private static boolean sharesABand(MinHash a, MinHash b) {
    int bands = a.k();
    long[] x = a.bandKeys(bands);
    long[] y = b.bandKeys(bands);
    for (int i = 0; i < bands; i++) {
      if (x[i] == y[i]) {
        return true;
      }
    }
    return false;
  }

  private static byte[] bytes(AccountProfile p) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.writeTo(new DataOutputStream(out));
    return out.toByteArray();
  }
}
