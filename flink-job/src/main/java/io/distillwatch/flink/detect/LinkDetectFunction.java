package io.distillwatch.flink.detect;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The link stage, keyed by link key (a payment fingerprint, an LSH band of rare templates, ...):
 * each key's state in keyed state, messages on to the cluster stage. No stage sees every event on
 * one slot: only what the link stage passes on reaches the cluster stage.
 *
 * <p>State clean-up: a key gets one event-time timer when its state is created, at {@code lastSeen
 * + idleEviction}; when it fires the state is cleared if the key stayed unused, otherwise the timer
 * moves on. If the stage itself clears a key's state, the pending timer finds nothing and ends.
 */
public final class LinkDetectFunction<L, M> extends KeyedProcessFunction<Long, M, M>
    implements ResultTypeQueryable<M> {
  private static final long serialVersionUID = 1L;

  private final Stages<?, M, L> stages;

  private transient ValueState<L> keys;
  private transient Stages.LinkLogic<L, M> stage;
  private transient List<M> messages;

  public LinkDetectFunction(Stages<?, M, L> stages) {
    this.stages = stages;
  }

  @Override
  public void open(OpenContext openContext) {
    keys =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("link-key", stages.linkStateType()));
    stage = stages.newLinkStage();
    messages = new ArrayList<>();
  }

  @Override
  public void processElement(M m, Context ctx, Collector<M> out) throws Exception {
    messages.clear();
    if (!stage.keyed(m)) {
      // Evidence passes through: no state to read (a lookup that misses costs as much as a hit).
      stage.process(null, m, messages);
      emit(out);
      return;
    }
    L before = keys.value();
    // detector-core LinkStage.process, through the seam.
    L after = stage.process(before, m, messages);
    if (after == null) {
      if (before != null) {
        keys.clear();
      }
    } else {
      keys.update(after);
      if (before == null) {
        ctx.timerService().registerEventTimeTimer(expiry(after));
      }
    }
    emit(out);
  }

  private void emit(Collector<M> out) {
    for (int i = 0; i < messages.size(); i++) {
      out.collect(messages.get(i));
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<M> out) throws Exception {
    L state = keys.value();
    if (state == null) {
      return;
    }
    long due = expiry(state);
    if (due <= timestamp) {
      keys.clear(); // unused for the whole eviction time: a key no live account holds
    } else {
      ctx.timerService().registerEventTimeTimer(due);
    }
  }

  private long expiry(L state) {
    long lastSeen = stage.lastSeen(state);
    long idle = stages.idleEvictionMillis();
    return lastSeen > Long.MAX_VALUE - idle ? Long.MAX_VALUE : lastSeen + idle;
  }

  @Override
  public TypeInformation<M> getProducedType() {
    return stages.messageType();
  }
}
