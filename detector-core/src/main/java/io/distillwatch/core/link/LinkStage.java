package io.distillwatch.core.link;

import io.distillwatch.core.sketch.HyperLogLog;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The detector's link stage: per link key (a payment instrument, a template-set band, an IP, ...),
 * it remembers the key's first user and counts its distinct users, and turns each observation into
 * an {@link StageMessage.Type#EDGE} to the first user when the key joins accounts and is rare
 * enough, or an {@link StageMessage.Type#INDICATOR} when it does not join but is rare. Evidence and
 * alerts pass through unchanged. The Flink job keys this stage by {@link StageMessage#route()} and
 * keeps a {@link LinkKeyState} per key; {@code ExtractionDetector} keeps them in this object's own
 * bounded map.
 *
 * <p>Rarity is what keeps legitimate crowds apart: a key used by more than {@code cap(kind) =
 * max(minAccounts, fraction * liveAccounts)} distinct accounts links nobody, so an IDE's system
 * prompt shared by thousands of developers, or a university NAT, never joins them.
 */
public final class LinkStage {
  private final int[] minAccounts;
  private final double[] fraction;
  private final int maxKeys;
  private final LinkedHashMap<Long, LinkKeyState> keys;
  private long evictedKeys;

  LinkStage(int[] minAccounts, double[] fraction, int maxKeys) {
    this.minAccounts = minAccounts.clone();
    this.fraction = fraction.clone();
    this.maxKeys = maxKeys;
    this.keys =
        new LinkedHashMap<>(1024, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, LinkKeyState> eldest) {
            if (size() > LinkStage.this.maxKeys) {
              evictedKeys++;
              return true;
            }
            return false;
          }
        };
  }

  /** Distinct accounts above which a key of this kind links nobody. */
  public double cap(LinkKey kind, double liveAccounts) {
    int k = kind.ordinal();
    return Math.max(minAccounts[k], fraction[k] * liveAccounts);
  }

  /**
   * Processes one message for the key {@code m.route()}, whose state is {@code state} (null if the
   * key has none), appending what the cluster stage needs to {@code out}.
   *
   * @return the key's state to keep, null for none
   */
  public LinkKeyState process(LinkKeyState state, StageMessage m, List<StageMessage> out) {
    if (m.type() != StageMessage.Type.OBSERVE) {
      out.add(m);
      return state;
    }
    if (state == null) {
      return new LinkKeyState(m.accountId(), m.accountHash(), m.orgHash(), m.timestamp());
    }
    state.lastSeen = Math.max(state.lastSeen, m.timestamp());
    if (state.anchorHash == m.accountHash()) {
      return state;
    }
    HyperLogLog df = state.distinct;
    if (df == null) {
      df = new HyperLogLog(LinkKeyState.DF_PRECISION);
      df.add(state.anchorHash);
      state.distinct = df;
    }
    df.add(m.accountHash());
    if (df.estimate() <= cap(m.kind(), m.liveAccounts())) {
      StageMessage.Type t = m.kind().joins() ? StageMessage.Type.EDGE : StageMessage.Type.INDICATOR;
      out.add(m.toAnchor(t, state.anchorId, state.anchorHash, state.anchorOrg));
    }
    return state;
  }

  /**
   * Processes one message against this object's own key map (the in-process detector's), holding at
   * most {@code maxKeys} keys, least recently used evicted first.
   */
  public void process(StageMessage m, List<StageMessage> out) {
    if (m.type() != StageMessage.Type.OBSERVE) {
      out.add(m);
      return;
    }
    Long key = m.route();
    LinkKeyState before = keys.get(key);
    LinkKeyState after = process(before, m, out);
    if (after != before) {
      keys.put(key, after);
    }
  }

  /** Keys held by this object's own map. */
  public int keys() {
    return keys.size();
  }

  /** Keys dropped from this object's own map because it was full. */
  public long evictedKeys() {
    return evictedKeys;
  }

  /**
   * Writes this object's key map. Layout: long evictedKeys, int n, then n x (long route, {@link
   * LinkKeyState} form) from least to most recently used.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeLong(evictedKeys);
    out.writeInt(keys.size());
    for (Map.Entry<Long, LinkKeyState> e : keys.entrySet()) {
      out.writeLong(e.getKey());
      e.getValue().writeTo(out);
    }
  }

  /** Replaces this object's key map with the form of {@link #writeTo}. */
  public void readFrom(DataInput in) throws IOException {
    long evicted = in.readLong();
    int n = in.readInt();
    if (evicted < 0 || n < 0) {
      throw new IOException("link stage counts out of range: " + evicted + ", " + n);
    }
    keys.clear();
    for (int i = 0; i < n; i++) {
      keys.put(in.readLong(), LinkKeyState.readFrom(in));
    }
    evictedKeys = evicted;
  }
}
