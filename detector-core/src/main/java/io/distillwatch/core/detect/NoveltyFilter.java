package io.distillwatch.core.detect;

/**
 * Remembers recently seen prompt hashes across the whole population, in fixed memory, to tell
 * whether an exchange's prompt is new to the world.
 *
 * <p>Why: distillation needs fresh outputs, so a campaign fills templates with new variables and
 * almost every prompt is one nobody sent before. Researchers re-running public benchmark items, and
 * CI bots replaying test prompts, send prompts the population has already seen; weighting the
 * content signals by novelty keeps them quiet without an allowlist.
 *
 * <p>Implementation notes: a 4-way set-associative table of 64-bit fingerprints (the prompt hash
 * itself, never 0), {@code 2^bits} sets. A miss inserts into a slot chosen by the hash's low bits,
 * so old prompts are forgotten at random once the table is full: "seen" is reliable for recent
 * prompts and degrades gracefully (a forgotten prompt counts as novel again, the conservative
 * direction for a benign re-runner is the other one, so size the table to the prompts of a few
 * days; the default 2^20 sets hold about 4 million prompts in 32 MiB). False "seen" answers need a
 * full 64-bit collision.
 */
final class NoveltyFilter {
  private static final int WAYS = 4;
  private final long[] slots;
  private final int setMask;

  NoveltyFilter(int bits) {
    if (bits < 4 || bits > 26) {
      throw new IllegalArgumentException("novelty filter bits must be in 4..26, was " + bits);
    }
    this.slots = new long[(1 << bits) * WAYS];
    this.setMask = (1 << bits) - 1;
  }

  /** Records the prompt and returns whether it was not seen recently. 0 (absent) is not novel. */
  boolean firstSeen(long promptHash) {
    if (promptHash == 0) {
      return false;
    }
    int base = ((int) (promptHash >>> 32) & setMask) * WAYS;
    long[] s = slots;
    for (int i = 0; i < WAYS; i++) {
      if (s[base + i] == promptHash) {
        return false;
      }
    }
    for (int i = 0; i < WAYS; i++) {
      if (s[base + i] == 0) {
        s[base + i] = promptHash;
        return true;
      }
    }
    s[base + (int) (promptHash & (WAYS - 1))] = promptHash;
    return true;
  }

  long[] slots() {
    return slots;
  }
}
