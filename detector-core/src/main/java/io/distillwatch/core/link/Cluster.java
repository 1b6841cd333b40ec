package io.distillwatch.core.link;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A set of accounts joined by rare shared keys, with the bookkeeping the detector needs to score
 * it: members, their summed evidence, exchanges, a common declared organisation, the indicators
 * that joined them, and its alert state. Mutable; owned by one {@link HydraLinker}.
 */
public final class Cluster {
  /** At most this many distinct values are kept per indicator kind, to bound memory. */
  static final int MAX_INDICATORS = 8;

  private final int id;
  private int[] members;
  private int size;
  private final EnumMap<LinkKey, List<String>> indicators = new EnumMap<>(LinkKey.class);

  /** Hash of the organisation every member declares; 0 for none, -1 for mixed. */
  long orgHash;

  /** Sum over evaluated members of their evidence (natural-log scale, {@code -ln p}). */
  public double evidenceSum;

  /** Members that have been evaluated at least once. */
  public int evaluatedMembers;

  /** Exchanges made by members since they joined. */
  public long exchanges;

  /** Highest alert band emitted; 0 = never alerted. */
  public int alertBand;

  /** Size when last alerted, to alert again only on real growth. */
  public int alertedSize;

  /** Event time of the first alert, or {@code Long.MIN_VALUE}. */
  public long alertedAt = Long.MIN_VALUE;

  Cluster(int id, int first, long orgHash) {
    this.id = id;
    this.members = new int[4];
    this.members[0] = first;
    this.size = 1;
    this.orgHash = orgHash;
  }

  /** A stable identifier: the index of the account that founded the cluster. */
  public int id() {
    return id;
  }

  public int size() {
    return size;
  }

  /** Account index of the i-th member, {@code 0 <= i < size()}. */
  public int member(int i) {
    return members[i];
  }

  /** Whether every member declares one and the same organisation. */
  public boolean singleDeclaredOrg() {
    return orgHash != 0 && orgHash != -1;
  }

  public boolean alerted() {
    return alertBand > 0;
  }

  /**
   * Takes back the cluster's standing as alerted, so that it is alerted again only if it earns it
   * as it is now; {@link #alertedAt} keeps the time of its first alert. Members flagged meanwhile
   * stay flagged: this only stops the standing from reaching accounts that join later.
   */
  public void withdrawAlert() {
    alertBand = 0;
    alertedSize = 0;
  }

  /** Shared indicator values by kind, insertion ordered; read-only view. */
  public Map<LinkKey, List<String>> indicators() {
    return java.util.Collections.unmodifiableMap(indicators);
  }

  void addIndicator(LinkKey kind, String value) {
    if (value == null) {
      return;
    }
    List<String> values = indicators.computeIfAbsent(kind, k -> new ArrayList<>(2));
    if (values.size() < MAX_INDICATORS && !values.contains(value)) {
      values.add(value);
    }
  }

  /** Absorbs the other cluster's members and bookkeeping (the other is discarded). */
  void absorb(Cluster other) {
    if (size + other.size > members.length) {
      members = java.util.Arrays.copyOf(members, Math.max(size + other.size, members.length * 2));
    }
    System.arraycopy(other.members, 0, members, size, other.size);
    size += other.size;
    evidenceSum += other.evidenceSum;
    evaluatedMembers += other.evaluatedMembers;
    exchanges += other.exchanges;
    if (orgHash != other.orgHash) {
      orgHash = -1;
    }
    alertBand = Math.max(alertBand, other.alertBand);
    alertedSize = Math.max(alertedSize, other.alertedSize);
    if (other.alertedAt != Long.MIN_VALUE
        && (alertedAt == Long.MIN_VALUE || other.alertedAt < alertedAt)) {
      alertedAt = other.alertedAt;
    }
    other.indicators.forEach((k, vs) -> vs.forEach(v -> addIndicator(k, v)));
  }

  void addSingle(int account, long memberOrg) {
    if (size == members.length) {
      members = java.util.Arrays.copyOf(members, members.length * 2);
    }
    members[size++] = account;
    if (orgHash != memberOrg) {
      orgHash = -1;
    }
  }

  /**
   * Writes int id, int size, size x int member, long orgHash, double evidenceSum, int
   * evaluatedMembers, long exchanges, int alertBand, int alertedSize, long alertedAt, byte kinds,
   * then per kind (in enum order) byte ordinal, byte count, count x string (int UTF-8 length,
   * bytes).
   */
  void writeTo(DataOutput out) throws IOException {
    out.writeInt(id);
    out.writeInt(size);
    for (int i = 0; i < size; i++) {
      out.writeInt(members[i]);
    }
    out.writeLong(orgHash);
    out.writeDouble(evidenceSum);
    out.writeInt(evaluatedMembers);
    out.writeLong(exchanges);
    out.writeInt(alertBand);
    out.writeInt(alertedSize);
    out.writeLong(alertedAt);
    out.writeByte(indicators.size());
    for (Map.Entry<LinkKey, List<String>> e : indicators.entrySet()) {
      out.writeByte(e.getKey().ordinal());
      out.writeByte(e.getValue().size());
      for (String v : e.getValue()) {
        writeString(out, v);
      }
    }
  }

  /** Reads the form written by {@link #writeTo}; member indices must be below {@code accounts}. */
  static Cluster readFrom(DataInput in, int accounts) throws IOException {
    int id = in.readInt();
    int size = in.readInt();
    if (id < 0 || id >= accounts || size < 2 || size > accounts) {
      throw new IOException("cluster id " + id + " size " + size + " out of range");
    }
    Cluster c = new Cluster(id, id, 0);
    c.members = new int[Math.max(4, size)];
    for (int i = 0; i < size; i++) {
      int m = in.readInt();
      if (m < 0 || m >= accounts) {
        throw new IOException("cluster " + id + " member " + m + " out of range");
      }
      c.members[i] = m;
    }
    c.size = size;
    c.orgHash = in.readLong();
    c.evidenceSum = in.readDouble();
    c.evaluatedMembers = in.readInt();
    c.exchanges = in.readLong();
    c.alertBand = in.readInt();
    c.alertedSize = in.readInt();
    c.alertedAt = in.readLong();
    if (c.evaluatedMembers < 0 || c.evaluatedMembers > size || c.alertBand < 0) {
      throw new IOException("cluster " + id + " bookkeeping out of range");
    }
    int kinds = in.readUnsignedByte();
    if (kinds > LinkKey.values().length) {
      throw new IOException("cluster " + id + " has " + kinds + " indicator kinds");
    }
    for (int k = 0; k < kinds; k++) {
      int ordinal = in.readUnsignedByte();
      int count = in.readUnsignedByte();
      if (ordinal >= LinkKey.values().length || count > MAX_INDICATORS) {
        throw new IOException("cluster " + id + " indicator kind " + ordinal + " x " + count);
      }
      List<String> values = new ArrayList<>(Math.max(2, count));
      for (int i = 0; i < count; i++) {
        values.add(readString(in));
      }
      c.indicators.put(LinkKey.ofOrdinal(ordinal), values);
    }
    return c;
  }

  /** Longest string accepted when reading, in UTF-8 bytes. */
  static final int MAX_STRING_BYTES = 1 << 20;

  static void writeString(DataOutput out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  static String readString(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_STRING_BYTES) {
      throw new IOException("string length " + n + " out of [0, " + MAX_STRING_BYTES + "]");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
