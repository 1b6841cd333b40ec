package io.distillwatch.flink.detect;

import io.distillwatch.flink.stage.ParseExchanges;
import io.distillwatch.flink.types.MarkedExchange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The per-account stage, keyed by account id: each account's profile in keyed state, the subtask's
 * population statistics (the account stage proper) in operator state, messages out to the link
 * stage. Its input is each exchange with the prompt stage's verdict ({@link MarkedExchange}), from
 * {@link PairMarks}, chained to it, in the order the exchanges left their source subtask. Exchanges
 * at or behind the watermark go to {@link ParseExchanges#DEAD_LETTERS} with reason {@code late}, so
 * none is dropped silently ({@link SequenceExchanges} already sends them there, so none is expected
 * here; this stays for the operator's own watermark).
 *
 * <p>Contract: every checkpoint's keyed state holds every profile exactly as it was at the barrier,
 * whether or not the cache below held it, so a job restored from a checkpoint continues from the
 * state it had there. The state names ({@code profile}, {@code account-stage}) and the timer
 * service ({@code user-timers}) are those of the {@code KeyedProcessFunction} this replaced, so its
 * checkpoints and savepoints restore into this operator.
 *
 * <p>State clean-up: each account has at most one event-time timer, set when its profile is created
 * at {@code lastSeen + idleEviction}. When it fires, the profile is cleared (from the state and the
 * cache) if the account stayed idle, otherwise the timer moves to the new {@code lastSeen +
 * idleEviction}. So nothing is done to timers per exchange, and profiles of accounts that went
 * quiet do not pile up. The timers only reclaim state: the account stage decides from event time
 * that an idle profile starts afresh, and counts live accounts by last-seen time, so when a timer
 * fires changes no detection. The {@code liveAccounts} gauge is the profiles this subtask holds.
 *
 * <p>Profile cache (write-back): on a state backend that keeps values as bytes (RocksDB), reading a
 * profile deserializes all of it, sketches included, and writing it serializes about 850 bytes and
 * puts them into RocksDB. With {@code profileCacheSize > 0} the operator keeps the profiles it used
 * last as objects, at most that many, least recently used out first. An exchange updates the cached
 * profile and marks it dirty; a dirty profile is written to the state when it leaves the cache, and
 * every dirty profile before each checkpoint's keyed-state snapshot ({@link #snapshotState}), so
 * restore, rescale and eviction lose nothing. The cache must stay off on the heap backend: there
 * the state holds the object itself, and after a checkpoint the heap backend hands out a copy while
 * the snapshot keeps the original, which a cached reference would go on mutating. Off, every
 * exchange writes its profile to the state (on the heap, a map put).
 *
 * <p>The account stage of a subtask is checkpointed as union list state (it is small: sketches of
 * the population), one entry per subtask: subtask index, parallelism, live accounts, the stage's
 * bytes. On restore a subtask takes the entry of its own index, or the first one after a rescale;
 * after a rescale the profile count (the {@code liveAccounts} gauge) is counted from the restored
 * keys, and the stage's live-account count is scaled from the old share of accounts to the new one.
 *
 * <p>Implementation notes. Why an operator and not a {@code KeyedProcessFunction}: writing an
 * evicted or dirty profile back means writing another account's state, and a function cannot change
 * the current key; an operator can ({@code setCurrentKey}), and it restores the current key after,
 * because the timer registered next and the state read next use it. Why {@code
 * snapshotState(StateSnapshotContext)}: Flink 2.2's {@code
 * StreamOperatorStateHandler.snapshotState} calls it on the task thread before it snapshots the
 * operator and keyed state backends, for checkpoints and savepoints alike, so the flush lands in
 * the snapshot and nothing runs between (no record, no timer). Why write-back: profiling {@code
 * bench --backends rocksdb} showed the write-through {@code profiles.update} (serialization half,
 * RocksDB put half) taking about 47% of the account-stage thread, besides the memtable flushes and
 * compactions it caused. The cache's slots are reused when one is evicted or cleared, so a hit
 * allocates nothing and a miss no more than the map's entry, as before.
 *
 * @param <P> per-account profile
 * @param <M> message to the link stage
 */
public final class AccountDetectOperator<P, M> extends AbstractStreamOperator<M>
    implements OneInputStreamOperator<MarkedExchange, M>, Triggerable<String, VoidNamespace> {
  private static final long serialVersionUID = 1L;

  /** Name of the keyed profile state, as the replaced function's checkpoints have it. */
  static final String PROFILE_STATE = "profile";

  private final Stages<P, M, ?> stages;
  private final int profileCacheSize;

  private transient ValueState<P> profiles;
  private transient ProfileCache<P> cache;
  private transient InternalTimerService<VoidNamespace> timers;
  private transient TimestampedCollector<M> collector;
  private transient ListState<byte[]> stageState;
  private transient int lastSnapshotBytes;
  private transient Stages.AccountLogic<P, M> stage;
  private transient List<M> messages;
  private transient long live;
  private transient int parallelism;
  private transient LateExchanges late;

  /** No profile cache: for the heap backend, where the state already holds objects. */
  public AccountDetectOperator(Stages<P, M, ?> stages) {
    this(stages, 0);
  }

  /**
   * @param profileCacheSize profiles kept as objects in front of the state, 0 for none; only for
   *     backends that store values as bytes (see the class comment)
   */
  public AccountDetectOperator(Stages<P, M, ?> stages, int profileCacheSize) {
    if (profileCacheSize < 0) {
      throw new IllegalArgumentException("profileCacheSize " + profileCacheSize + " < 0");
    }
    this.stages = stages;
    this.profileCacheSize = profileCacheSize;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    stageState =
        context
            .getOperatorStateStore()
            .getUnionListState(
                new ListStateDescriptor<>(
                    "account-stage", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    int index = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    stage = null;
    int writerParallelism = parallelism;
    if (context.isRestored()) {
      byte[] mine = null;
      long totalLive = 0;
      boolean sameLayout = false;
      for (byte[] entry : stageState.get()) {
        DataInputDeserializer in = new DataInputDeserializer(entry);
        int entryIndex = in.readInt();
        int entryParallelism = in.readInt();
        long entryLive = in.readLong();
        totalLive += entryLive;
        if (mine == null || entryIndex == index) {
          mine = entry;
          sameLayout = entryIndex == index && entryParallelism == parallelism;
          writerParallelism = entryParallelism;
          live = entryLive;
        }
      }
      if (mine != null) {
        DataInputDeserializer in = new DataInputDeserializer(mine);
        in.skipBytesToRead(16);
        stage = stages.restoreAccountStage(in);
        if (!sameLayout) {
          // Rescaled: this subtask now holds other accounts than any old subtask did. The profiles
          // restored here are counted (one pass over this subtask's keys, once per rescale); an
          // estimate of the old total over the new parallelism, which this was until stop 18, is
          // off by the key groups' imbalance, and since the count is only ever moved up and down
          // from there, it stayed off, and went below 0 once the accounts expired.
          live = restoredProfiles();
        }
      }
    }
    if (stage == null) {
      stage = stages.newAccountStage();
      live = 0;
      writerParallelism = parallelism;
    }
    // Accounts are routed by key hash, so this subtask sees a uniform 1/p of them.
    stage.shards(parallelism, writerParallelism, live);
  }

  /** Accounts with a profile in this subtask's restored keyed state. */
  private long restoredProfiles() {
    try (Stream<Object> keys =
        getKeyedStateBackend().getKeys(PROFILE_STATE, VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    profiles =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>(PROFILE_STATE, stages.profileType()));
    timers = getInternalTimerService("user-timers", VoidNamespaceSerializer.INSTANCE, this);
    collector = new TimestampedCollector<>(output);
    messages = new ArrayList<>();
    cache = profileCacheSize > 0 ? new ProfileCache<>(profileCacheSize) : null;
    late = new LateExchanges(getRuntimeContext());
    getRuntimeContext().getMetricGroup().gauge("liveAccounts", () -> live);
  }

  @Override
  public void processElement(StreamRecord<MarkedExchange> record) throws Exception {
    MarkedExchange marked = record.getValue();
    long watermark = timers.currentWatermark();
    if (LateExchanges.isLate(marked.encoded().timestamp(), watermark)) {
      String dead = late.divert(marked.exchange(), watermark);
      output.collect(ParseExchanges.DEAD_LETTERS, new StreamRecord<>(dead, record.getTimestamp()));
      return;
    }
    String account = (String) getCurrentKey();
    Slot<P> slot = cache == null ? null : cache.get(account);
    P before = slot != null ? slot.profile : profiles.value();
    if (before == null) {
      live++;
    }
    messages.clear();
    // The account stage proper: detector-core AccountStage.observe, through the seam.
    P after = stage.observe(before, marked.exchange(), marked.novelPrompt(), messages);
    if (cache == null) {
      profiles.update(after);
    } else if (slot != null) {
      slot.profile = after;
      slot.dirty = true;
    } else {
      cache.add(account, after);
      writeBack(cache.takeEvicted());
    }
    if (before == null) {
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, expiry(after));
    }
    collector.setTimestamp(record);
    for (int i = 0; i < messages.size(); i++) {
      collector.collect(messages.get(i));
    }
  }

  @Override
  public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
    String account = timer.getKey(); // the timer service made it the current key
    Slot<P> slot = cache == null ? null : cache.get(account);
    P profile = slot != null ? slot.profile : profiles.value();
    if (profile == null) {
      return;
    }
    long due = expiry(profile);
    if (due <= timer.getTimestamp()) {
      // Idle for the whole eviction time: drop the profile, or state would grow with every
      // account ever seen. A later exchange starts a new profile, as in the core detector. The
      // cached copy goes too, dirty or not, or a flush would write it back.
      profiles.clear();
      if (slot != null) {
        cache.recycle(cache.remove(account));
      }
      live--;
    } else {
      timers.registerEventTimeTimer(VoidNamespace.INSTANCE, due);
    }
  }

  @Override
  public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
    throw new IllegalStateException("the account stage sets no processing-time timers");
  }

  private long expiry(P profile) {
    long lastSeen = stage.lastSeen(profile);
    long idle = stages.idleEvictionMillis();
    return lastSeen > Long.MAX_VALUE - idle ? Long.MAX_VALUE : lastSeen + idle;
  }

  /** Writes an evicted slot's profile to its account's state if it is dirty; recycles the slot. */
  private void writeBack(Slot<P> evicted) throws Exception {
    if (evicted == null) {
      return;
    }
    if (evicted.dirty) {
      Object current = getCurrentKey();
      setCurrentKey(evicted.account);
      profiles.update(evicted.profile);
      setCurrentKey(current);
    }
    cache.recycle(evicted);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    flushDirtyProfiles();
    // Sized from the last snapshot, so a large stage is not regrown at every checkpoint.
    DataOutputSerializer out = new DataOutputSerializer(Math.max(4096, lastSnapshotBytes));
    out.writeInt(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
    out.writeInt(parallelism);
    out.writeLong(live);
    stage.writeTo(out);
    lastSnapshotBytes = out.length();
    stageState.update(List.of(out.getCopyOfBuffer()));
  }

  /**
   * Writes every dirty cached profile to its account's state, before the keyed-state snapshot (see
   * the class comment); the profiles stay cached, now clean.
   */
  private void flushDirtyProfiles() throws Exception {
    if (cache == null) {
      return;
    }
    Object current = getCurrentKey();
    boolean wrote = false;
    for (Slot<P> slot : cache.values()) {
      if (slot.dirty) {
        setCurrentKey(slot.account);
        profiles.update(slot.profile);
        slot.dirty = false;
        wrote = true;
      }
    }
    if (wrote && current != null) {
      setCurrentKey(current);
    }
  }

  /** A cached profile, its account, and whether it changed since it was last written. */
  static final class Slot<P> {
    String account;
    P profile;
    boolean dirty;
  }

  /**
   * Profiles by account in access order, least recently used pushed out beyond {@code capacity}.
   * The slot a {@link #add} pushed out waits in {@link #takeEvicted} for the operator to write it
   * back (the map cannot: it has no state to write to); slots come back through {@link #recycle}.
   */
  static final class ProfileCache<P> extends LinkedHashMap<String, Slot<P>> {
    private static final long serialVersionUID = 1L;
    private final int capacity;
    private transient Slot<P> evicted;
    private transient Slot<P> spare;

    ProfileCache(int capacity) {
      super(Math.min(capacity, 1 << 16), 0.75f, true);
      this.capacity = capacity;
    }

    /** Caches a profile not cached yet, dirty (it has just changed). */
    void add(String account, P profile) {
      Slot<P> slot = spare != null ? spare : new Slot<>();
      spare = null;
      slot.account = account;
      slot.profile = profile;
      slot.dirty = true;
      put(account, slot);
    }

    /** The slot the last {@link #add} pushed out, or null; once. */
    Slot<P> takeEvicted() {
      Slot<P> slot = evicted;
      evicted = null;
      return slot;
    }

    /** Takes back a slot no longer in the map, for the next {@link #add}. */
    void recycle(Slot<P> slot) {
      slot.account = null;
      slot.profile = null;
      slot.dirty = false;
      spare = slot;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Slot<P>> eldest) {
      if (size() <= capacity) {
        return false;
      }
      evicted = eldest.getValue();
      return true;
    }
  }
}
