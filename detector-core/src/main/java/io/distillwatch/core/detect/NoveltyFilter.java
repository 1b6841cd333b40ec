package io.distillwatch.core.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

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
  private static final int SPARSE = 0;
  private static final int DENSE = 1;
  private final long[] slots;
  private final int setMask;
  private final int bits;

  NoveltyFilter(int bits) {
    if (bits < 4 || bits > 26) {
      throw new IllegalArgumentException("novelty filter bits must be in 4..26, was " + bits);
    }
    this.slots = new long[(1 << bits) * WAYS];
    this.setMask = (1 << bits) - 1;
    this.bits = bits;
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

  /**
   * Writes byte bits, then byte encoding and the slots: 0 (sparse) int count and count x (int slot,
   * long hash) for the non-empty slots in slot order; 1 (dense) every slot as a long. The smaller
   * encoding is chosen, so a table that is mostly empty (early in a stream) costs little.
   */
  void writeTo(DataOutput out) throws IOException {
    out.writeByte(bits);
    int used = 0;
    for (long s : slots) {
      if (s != 0) {
        used++;
      }
    }
    if (12L * used < 8L * slots.length) {
      out.writeByte(SPARSE);
      out.writeInt(used);
      for (int i = 0; i < slots.length; i++) {
        if (slots[i] != 0) {
          out.writeInt(i);
          out.writeLong(slots[i]);
        }
      }
    } else {
      out.writeByte(DENSE);
      for (long s : slots) {
        out.writeLong(s);
      }
    }
  }

  /**
   * Replaces the remembered prompts with the form written by {@link #writeTo}; the stored size must
   * equal this filter's (it is not a parameter that can change across a restart).
   */
  void readFrom(DataInput in) throws IOException {
    int storedBits = in.readUnsignedByte();
    if (storedBits != bits) {
      throw new IOException(
          "novelty filter was written with noveltyBits "
              + storedBits
              + " but the configuration has "
              + bits
              + "; the prompt memory cannot be resized, restore with noveltyBits("
              + storedBits
              + ")");
    }
    int encoding = in.readUnsignedByte();
    java.util.Arrays.fill(slots, 0);
    if (encoding == SPARSE) {
      int used = in.readInt();
      if (used < 0 || used > slots.length) {
        throw new IOException("novelty filter count " + used + " out of [0, " + slots.length + "]");
      }
      int previous = -1;
      for (int k = 0; k < used; k++) {
        int i = in.readInt();
        long h = in.readLong();
        if (i <= previous || i >= slots.length || h == 0) {
          throw new IOException("novelty filter slot " + i + " out of order or empty");
        }
        slots[i] = h;
        previous = i;
      }
    } else if (encoding == DENSE) {
      for (int i = 0; i < slots.length; i++) {
        slots[i] = in.readLong();
      }
    } else {
      throw new IOException("novelty filter encoding " + encoding + " unknown");
    }
  }
}
