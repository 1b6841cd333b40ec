package io.distillwatch.core.link;

import io.distillwatch.core.sketch.HyperLogLog;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * What the link stage keeps per link key: its first user (the anchor every later user is linked
 * to), the distinct accounts that used it, and when it was last used. Mutable; owned by the link
 * stage's state for one key.
 *
 * <p>Implementation notes: distinct accounts are counted with a 32-register HyperLogLog (18%
 * standard error, ample to tell a key of a few accounts from one of hundreds), created only when a
 * second account uses the key, so the common single-user key costs a few dozen bytes.
 */
public final class LinkKeyState {
  static final int DF_PRECISION = 5;

  final String anchorId;
  final long anchorHash;
  final long anchorOrg;
  long lastSeen;
  HyperLogLog distinct;

  LinkKeyState(String anchorId, long anchorHash, long anchorOrg, long lastSeen) {
    this.anchorId = anchorId;
    this.anchorHash = anchorHash;
    this.anchorOrg = anchorOrg;
    this.lastSeen = lastSeen;
  }

  /** Event time the key was last used. */
  public long lastSeen() {
    return lastSeen;
  }

  /** Estimated distinct accounts that used the key (1 while only the anchor has). */
  public double distinctAccounts() {
    return distinct == null ? 1 : distinct.estimate();
  }

  /**
   * Writes the state. Layout (form version 1, recorded by the caller): UTF anchor id, long anchor
   * hash, long anchor organisation hash, long last seen, unsigned short length of the
   * distinct-accounts HyperLogLog bytes (0: none) and the bytes.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeUTF(anchorId);
    out.writeLong(anchorHash);
    out.writeLong(anchorOrg);
    out.writeLong(lastSeen);
    byte[] df = distinct == null ? new byte[0] : distinct.toBytes();
    out.writeShort(df.length);
    out.write(df);
  }

  /** Reads the form of {@link #writeTo}; corrupt input throws an {@link IOException}. */
  public static LinkKeyState readFrom(DataInput in) throws IOException {
    LinkKeyState s = new LinkKeyState(in.readUTF(), in.readLong(), in.readLong(), in.readLong());
    int n = in.readUnsignedShort();
    if (n > 0) {
      byte[] b = new byte[n];
      in.readFully(b);
      try {
        s.distinct = HyperLogLog.fromBytes(b);
      } catch (RuntimeException e) {
        throw new IOException("corrupt link key state: " + e.getMessage(), e);
      }
    }
    return s;
  }
}
