package io.distillwatch.flink.detect;

import io.distillwatch.flink.types.JobTypes;
import io.distillwatch.flink.types.NoveltyMark;
import io.distillwatch.flink.types.PromptProbe;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
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
 * The prompt stage, keyed by the prompt's hash ({@code Stages#promptRoute}): tells each exchange's
 * account whether its prompt is new to the population ({@link NoveltyMark}), given the exchange's
 * {@link PromptProbe}. Every sender of a prompt meets one subtask's filter, so novelty does not
 * depend on the parallelism, as it did when each account-stage subtask kept a filter of its own
 * accounts' prompts. Late exchanges never reach it: {@link SequenceExchanges} sends them to the
 * dead letters before they are remembered as seen.
 *
 * <p>State: the subtask's filter (a fixed-size table) as union list state, one entry per subtask:
 * subtask index, parallelism, the stage's bytes. On restore a subtask takes the entry of its own
 * index, or the first one after a rescale (key groups then move between subtasks, so some prompts
 * are new again to the subtask that now owns them: the conservative direction is lost, for a while,
 * only for the prompts that moved). No keyed state and no timers.
 */
public final class PromptDetectFunction extends KeyedProcessFunction<Long, PromptProbe, NoveltyMark>
    implements CheckpointedFunction, ResultTypeQueryable<NoveltyMark> {
  private static final long serialVersionUID = 1L;

  private final Stages<?, ?, ?> stages;

  private transient ListState<byte[]> stageState;
  private transient Stages.PromptLogic stage;
  private transient int lastSnapshotBytes;

  public PromptDetectFunction(Stages<?, ?, ?> stages) {
    this.stages = stages;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    stageState =
        context
            .getOperatorStateStore()
            .getUnionListState(
                new ListStateDescriptor<>(
                    "prompt-stage", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    int index = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    stage = null;
    if (context.isRestored()) {
      byte[] mine = null;
      for (byte[] entry : stageState.get()) {
        int entryIndex = new DataInputDeserializer(entry).readInt();
        if (mine == null || entryIndex == index) {
          mine = entry;
        }
      }
      if (mine != null) {
        DataInputDeserializer in = new DataInputDeserializer(mine);
        in.skipBytesToRead(8);
        stage = stages.restorePromptStage(in);
      }
    }
    if (stage == null) {
      stage = stages.newPromptStage();
    }
  }

  @Override
  public void processElement(PromptProbe probe, Context ctx, Collector<NoveltyMark> out) {
    // detector-core PromptStage.novel, through the seam.
    out.collect(
        new NoveltyMark(probe.accountKey(), probe.sequence(), stage.novel(probe.promptKey())));
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    // Sized from the last snapshot: the novelty table runs to 32 MiB, and growing a small buffer
    // to that size copied it about twice over at every checkpoint.
    DataOutputSerializer out = new DataOutputSerializer(Math.max(1 << 16, lastSnapshotBytes));
    out.writeInt(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
    out.writeInt(getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
    stage.writeTo(out);
    lastSnapshotBytes = out.length();
    stageState.update(List.of(out.getCopyOfBuffer()));
  }

  @Override
  public TypeInformation<NoveltyMark> getProducedType() {
    return JobTypes.NOVELTY_MARK;
  }
}
