package io.distillwatch.flink.detect;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.flink.stage.ParseExchanges;
import io.distillwatch.flink.types.MarkedExchange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The per-account stage, keyed by account id: each account's profile in keyed state, the subtask's
 * population statistics (the account stage proper) in operator state, messages out to the link
 * stage. Its input is the prompt stage's ({@link MarkedExchange}). Exchanges at or behind the
 * watermark go to {@link ParseExchanges#DEAD_LETTERS} with reason {@code late}, so none is dropped
 * silently (the prompt stage already sends them there; this stays for its own watermark).
 *
 * <p>State clean-up: each account has at most one event-time timer, set when its profile is created
 * at {@code lastSeen + idleEviction}. When it fires, the profile is cleared if the account stayed
 * idle, otherwise the timer moves to the new {@code lastSeen + idleEviction}. So nothing is done to
 * timers per exchange, and profiles of accounts that went quiet do not pile up. The timers only
 * reclaim state: the account stage decides from event time that an idle profile starts afresh, and
 * counts live accounts by last-seen time, so when a timer fires changes no detection. The {@code
 * liveAccounts} gauge is the profiles this subtask holds.
 *
 * <p>Profile cache: on a state backend that keeps values as bytes (RocksDB), reading a profile
 * deserializes all of it, sketches included, on every exchange, which cost more than the detector's
 * own work. With {@code profileCacheSize > 0} the function keeps the profiles it used last as
 * objects, in an access-ordered map of at most that many accounts, and reads the state only on a
 * miss. Every update still goes to the state (write-through), so the state, and therefore every
 * checkpoint, is always current, and dropping the cache (restore, rescale, eviction) loses nothing.
 * It must stay off on the heap backend: there the state holds the object itself, and after a
 * checkpoint the heap backend hands out a copy while the snapshot keeps the original, which a
 * cached reference would go on mutating.
 *
 * <p>The account stage of a subtask is checkpointed as union list state (it is small: sketches of
 * the population), one entry per subtask: subtask index, parallelism, live accounts, the stage's
 * bytes. On restore a subtask takes the entry of its own index, or the first one after a rescale;
 * the profile count after a rescale is the old total over the new parallelism, and the stage's
 * live-account count is scaled from the old share of accounts to the new one.
 */
public final class AccountDetectFunction<P, M>
    extends KeyedProcessFunction<String, MarkedExchange, M>
    implements CheckpointedFunction, ResultTypeQueryable<M> {
  private static final long serialVersionUID = 1L;

  private final Stages<P, M, ?> stages;
  private final int profileCacheSize;

  private transient ValueState<P> profiles;
  private transient ProfileCache<P> cache;
  private transient ListState<byte[]> stageState;
  private transient int lastSnapshotBytes;
  private transient Stages.AccountLogic<P, M> stage;
  private transient List<M> messages;
  private transient long live;
  private transient int parallelism;
  private transient LateExchanges late;

  /** No profile cache: for the heap backend, where the state already holds objects. */
  public AccountDetectFunction(Stages<P, M, ?> stages) {
    this(stages, 0);
  }

  /**
   * @param profileCacheSize profiles kept as objects in front of the state, 0 for none; only for
   *     backends that store values as bytes (see the class comment)
   */
  public AccountDetectFunction(Stages<P, M, ?> stages, int profileCacheSize) {
    if (profileCacheSize < 0) {
      throw new IllegalArgumentException("profileCacheSize " + profileCacheSize + " < 0");
    }
    this.stages = stages;
    this.profileCacheSize = profileCacheSize;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
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
          live = Math.round((double) totalLive / parallelism);
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

  @Override
  public void open(OpenContext openContext) {
    profiles =
        getRuntimeContext().getState(new ValueStateDescriptor<>("profile", stages.profileType()));
    messages = new ArrayList<>();
    cache = profileCacheSize > 0 ? new ProfileCache<>(profileCacheSize) : null;
    late = new LateExchanges(getRuntimeContext());
    getRuntimeContext().getMetricGroup().gauge("liveAccounts", () -> live);
  }

  @Override
  public void processElement(MarkedExchange marked, Context ctx, Collector<M> out)
      throws Exception {
    if (late.isLate(marked.encoded().timestamp(), ctx)) {
      late.divert(marked.exchange(), ctx);
      return;
    }
    Exchange e = marked.exchange();
    String account = ctx.getCurrentKey();
    P before = profile(account);
    if (before == null) {
      live++;
    }
    messages.clear();
    // The account stage proper: detector-core AccountStage.observe, through the seam.
    P after = stage.observe(before, e, marked.novelPrompt(), messages);
    profiles.update(after); // write-through: the state is current whether or not it is cached
    if (cache != null) {
      cache.put(account, after);
    }
    if (before == null) {
      ctx.timerService().registerEventTimeTimer(expiry(after));
    }
    for (int i = 0; i < messages.size(); i++) {
      out.collect(messages.get(i));
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<M> out) throws Exception {
    String account = ctx.getCurrentKey();
    P profile = profile(account);
    if (profile == null) {
      return;
    }
    long due = expiry(profile);
    if (due <= timestamp) {
      // Idle for the whole eviction time: drop the profile, or state would grow with every
      // account ever seen. A later exchange starts a new profile, as in the core detector.
      profiles.clear();
      if (cache != null) {
        cache.remove(account);
      }
      live--;
    } else {
      ctx.timerService().registerEventTimeTimer(due);
    }
  }

  /** The current account's profile: from the cache if it holds it, else from the state. */
  private P profile(String account) throws Exception {
    if (cache != null) {
      P cached = cache.get(account);
      if (cached != null) {
        return cached;
      }
    }
    return profiles.value();
  }

  private long expiry(P profile) {
    long lastSeen = stage.lastSeen(profile);
    long idle = stages.idleEvictionMillis();
    return lastSeen > Long.MAX_VALUE - idle ? Long.MAX_VALUE : lastSeen + idle;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    // Sized from the last snapshot, so a large stage is not regrown at every checkpoint.
    DataOutputSerializer out = new DataOutputSerializer(Math.max(4096, lastSnapshotBytes));
    out.writeInt(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
    out.writeInt(parallelism);
    out.writeLong(live);
    stage.writeTo(out);
    lastSnapshotBytes = out.length();
    stageState.update(List.of(out.getCopyOfBuffer()));
  }

  @Override
  public TypeInformation<M> getProducedType() {
    return stages.messageType();
  }

  /** Profiles by account, least recently used dropped beyond {@code capacity}. */
  static final class ProfileCache<P> extends LinkedHashMap<String, P> {
    private static final long serialVersionUID = 1L;
    private final int capacity;

    ProfileCache(int capacity) {
      super(Math.min(capacity, 1 << 16), 0.75f, true);
      this.capacity = capacity;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, P> eldest) {
      return size() > capacity;
    }
  }
}
