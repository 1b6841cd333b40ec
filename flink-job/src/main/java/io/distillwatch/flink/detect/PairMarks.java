package io.distillwatch.flink.detect;

import io.distillwatch.flink.types.MarkedExchange;
import io.distillwatch.flink.types.NoveltyMark;
import io.distillwatch.flink.types.SequencedExchange;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The account stage's door, keyed by account like it and chained to it: pairs each exchange (input
 * 1, straight from the source, {@link SequencedExchange}) with the prompt stage's verdict on it
 * (input 2, {@link NoveltyMark}, matched by sequence) and passes them on as {@link MarkedExchange}s
 * in the order the exchanges arrived, each once its verdict is in. So the account stage reads each
 * account's exchanges in the order its source subtask read them, whatever the parallelism and the
 * network's timing: at parallelism 1, and with one source split at any parallelism, that is the
 * input's order, as in the core detector.
 *
 * <p>Contract: every exchange is passed on exactly once, with its own verdict, in input-1 order;
 * verdicts may come before or after their exchange. Nothing waits across a checkpoint: with aligned
 * barriers (exactly-once, the job's mode) every exchange that came in before the barrier has its
 * verdict before the barrier too, as both left the same source subtask before it and the prompt
 * stage aligns its barriers as well, so the operator holds nothing when it is snapshotted and keeps
 * no state. A snapshot that finds an exchange still waiting (unaligned checkpoints, which the job
 * does not support) fails rather than lose it, and so does the end of input. Nor does a timer wait
 * on it: an exchange whose verdict is not in yet left its source after the last watermark that
 * source sent, so the account stage's watermark is behind it.
 *
 * <p>Memory: the exchanges waiting, at most what is in flight on the prompt stage's path (a source
 * subtask that cannot send a probe sends no exchange either), gauge {@code awaitingVerdict}.
 *
 * <p>Implementation notes. Waiting exchanges sit in a ring in arrival order; one open-addressing
 * table maps a sequence either to its exchange's place in the ring (the exchange came first) or to
 * the verdict (the verdict came first), so each record costs one table operation and the common
 * case, an exchange whose verdict follows within a buffer or two, no allocation beyond the record.
 */
public final class PairMarks extends AbstractStreamOperator<MarkedExchange>
    implements TwoInputStreamOperator<SequencedExchange, NoveltyMark, MarkedExchange> {
  private static final long serialVersionUID = 1L;

  private static final byte UNKNOWN = -1;

  /** Table values below 0 are verdicts that came before their exchange. */
  private static final long EARLY_STALE = -1;

  private static final long EARLY_NOVEL = -2;

  private transient SequencedExchange[] exchanges;
  private transient long[] timestamps;
  private transient byte[] verdicts;
  private transient int mask;
  private transient long head;
  private transient long tail;
  private transient SequenceTable table;
  private transient StreamRecord<MarkedExchange> reuse;

  @Override
  public void open() throws Exception {
    super.open();
    int capacity = 1024;
    exchanges = new SequencedExchange[capacity];
    timestamps = new long[capacity];
    verdicts = new byte[capacity];
    mask = capacity - 1;
    head = 0;
    tail = 0;
    table = new SequenceTable();
    reuse = new StreamRecord<>(null);
    getRuntimeContext().getMetricGroup().gauge("awaitingVerdict", () -> tail - head);
  }

  @Override
  public void processElement1(StreamRecord<SequencedExchange> record) {
    SequencedExchange x = record.getValue();
    if (tail - head == exchanges.length) {
      grow();
    }
    int i = (int) (tail & mask);
    exchanges[i] = x;
    timestamps[i] = record.hasTimestamp() ? record.getTimestamp() : Long.MIN_VALUE;
    long early = table.remove(x.sequence());
    if (early == SequenceTable.ABSENT) {
      verdicts[i] = UNKNOWN;
      table.put(x.sequence(), tail);
    } else {
      verdicts[i] = early == EARLY_NOVEL ? (byte) 1 : (byte) 0;
    }
    tail++;
    drain();
  }

  @Override
  public void processElement2(StreamRecord<NoveltyMark> record) {
    NoveltyMark m = record.getValue();
    long position = table.remove(m.sequence());
    if (position == SequenceTable.ABSENT) {
      table.put(m.sequence(), m.novelPrompt() ? EARLY_NOVEL : EARLY_STALE);
      return;
    }
    if (position < head || position >= tail) {
      throw new IllegalStateException(
          "a second verdict for the exchange with sequence " + m.sequence());
    }
    verdicts[(int) (position & mask)] = m.novelPrompt() ? (byte) 1 : (byte) 0;
    drain();
  }

  /** Passes on the exchanges at the head of the ring whose verdicts are in. */
  private void drain() {
    while (head < tail) {
      int i = (int) (head & mask);
      byte verdict = verdicts[i];
      if (verdict == UNKNOWN) {
        return;
      }
      SequencedExchange x = exchanges[i];
      exchanges[i] = null;
      head++;
      MarkedExchange marked = new MarkedExchange(x.encoded(), verdict == 1);
      if (timestamps[i] == Long.MIN_VALUE) {
        reuse.replace(marked);
        reuse.eraseTimestamp();
      } else {
        reuse.replace(marked, timestamps[i]);
      }
      output.collect(reuse);
    }
  }

  private void grow() {
    int capacity = exchanges.length << 1;
    SequencedExchange[] xs = new SequencedExchange[capacity];
    long[] ts = new long[capacity];
    byte[] vs = new byte[capacity];
    int newMask = capacity - 1;
    for (long p = head; p < tail; p++) {
      int from = (int) (p & mask);
      int to = (int) (p & newMask);
      xs[to] = exchanges[from];
      ts[to] = timestamps[from];
      vs[to] = verdicts[from];
    }
    exchanges = xs;
    timestamps = ts;
    verdicts = vs;
    mask = newMask;
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    requireNothingWaiting("a checkpoint (unaligned checkpoints are not supported)");
  }

  @Override
  public void finish() throws Exception {
    requireNothingWaiting("the end of the input");
    super.finish();
  }

  private void requireNothingWaiting(String when) {
    if (head != tail || table.size() != 0) {
      long unknown = 0;
      for (long p = head; p < tail; p++) {
        unknown += verdicts[(int) (p & mask)] == UNKNOWN ? 1 : 0;
      }
      throw new IllegalStateException(
          unknown
              + " exchanges still wait for the prompt stage's verdict and "
              + (table.size() - unknown)
              + " verdicts for their exchange at "
              + when);
    }
  }

  /** Waiting exchanges plus verdicts waiting for their exchange; for tests. */
  int waiting() {
    return table.size();
  }

  /**
   * Sequence to long, open addressing with linear probing and backward-shift deletion, so a table
   * that empties and fills forever never fills with tombstones. Keys are stored plus one, so 0
   * marks a free slot (sequences are below 2^63 - 1).
   */
  static final class SequenceTable {
    static final long ABSENT = Long.MIN_VALUE;

    private long[] keys = new long[256];
    private long[] values = new long[256];
    private int size;

    int size() {
      return size;
    }

    void put(long sequence, long value) {
      if ((size + 1) * 2 > keys.length) {
        rehash(keys.length << 1);
      }
      long k = sequence + 1;
      int m = keys.length - 1;
      int i = slot(k, m);
      while (keys[i] != 0) {
        if (keys[i] == k) {
          throw new IllegalStateException("sequence " + sequence + " seen twice");
        }
        i = (i + 1) & m;
      }
      keys[i] = k;
      values[i] = value;
      size++;
    }

    /** Removes {@code sequence}, returning its value, or {@link #ABSENT}. */
    long remove(long sequence) {
      long k = sequence + 1;
      int m = keys.length - 1;
      int i = slot(k, m);
      while (keys[i] != k) {
        if (keys[i] == 0) {
          return ABSENT;
        }
        i = (i + 1) & m;
      }
      long value = values[i];
      // Backward shift: pull later entries of the probe run into the gap where they belong.
      int gap = i;
      int j = (gap + 1) & m;
      while (keys[j] != 0) {
        int home = slot(keys[j], m);
        if (((j - home) & m) >= ((j - gap) & m)) {
          keys[gap] = keys[j];
          values[gap] = values[j];
          gap = j;
        }
        j = (j + 1) & m;
      }
      keys[gap] = 0;
      size--;
      return value;
    }

    private static int slot(long k, int m) {
      long h = k * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32)) & m;
    }

    private void rehash(int capacity) {
      long[] oldKeys = keys;
      long[] oldValues = values;
      keys = new long[capacity];
      values = new long[capacity];
      size = 0;
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldKeys[i] != 0) {
          put(oldKeys[i] - 1, oldValues[i]);
        }
      }
    }
  }
}
