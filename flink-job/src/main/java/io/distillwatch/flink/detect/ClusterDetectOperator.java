package io.distillwatch.flink.detect;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertKind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The cluster stage at parallelism 1: calibrates evaluations, merges links into clusters, scores
 * them and de-duplicates alerts. It sees only what the link stage passes on, never every exchange.
 * Its state (the calibration, the union-find and cluster scores) is operator state, one entry,
 * named as by the {@code ProcessFunction} this replaced ({@code cluster-stage}), so its checkpoints
 * restore into this operator. It reads messages as they come: with one link subtask before it, in
 * the source's order, as the core detector does; with several, {@link OrderBatches} puts them in
 * one order first. Each alert carries the timestamp of the message that raised it.
 */
public final class ClusterDetectOperator<M> extends AbstractStreamOperator<Alert>
    implements OneInputStreamOperator<M, Alert> {
  private static final long serialVersionUID = 1L;

  private final Stages<?, M, ?> stages;

  private transient ListState<byte[]> stageState;
  private transient int lastSnapshotBytes;
  private transient Stages.ClusterLogic<M> stage;
  private transient List<Alert> alerts;
  private transient StreamRecord<Alert> reuse;
  private transient Counter accountAlerts;
  private transient Counter clusterAlerts;
  private transient LongCounter alertTotal;

  public ClusterDetectOperator(Stages<?, M, ?> stages) {
    this.stages = stages;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    stageState =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "cluster-stage", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    stage = null;
    if (context.isRestored()) {
      Iterator<byte[]> it = stageState.get().iterator();
      if (it.hasNext()) {
        stage = stages.restoreClusterStage(new DataInputDeserializer(it.next()));
      }
    }
    if (stage == null) {
      stage = stages.newClusterStage();
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    alerts = new ArrayList<>();
    reuse = new StreamRecord<>(null);
    var metrics = getRuntimeContext().getMetricGroup();
    accountAlerts = metrics.counter("alertsAccount");
    clusterAlerts = metrics.counter("alertsCluster");
    metrics.gauge("liveClusters", () -> stage.liveClusters());
    alertTotal = new LongCounter();
    getRuntimeContext().addAccumulator("alerts", alertTotal);
  }

  @Override
  public void processElement(StreamRecord<M> record) {
    process(record.getValue(), record.hasTimestamp() ? record.getTimestamp() : Long.MIN_VALUE);
  }

  /** Processes one message; its alerts carry the message's record timestamp, as before. */
  private void process(M m, long timestamp) {
    alerts.clear();
    // detector-core ClusterStage.process, through the seam.
    stage.process(m, alerts);
    for (int i = 0; i < alerts.size(); i++) {
      Alert a = alerts.get(i);
      (a.kind() == AlertKind.ACCOUNT ? accountAlerts : clusterAlerts).inc();
      alertTotal.add(1);
      if (timestamp == Long.MIN_VALUE) {
        reuse.replace(a);
        reuse.eraseTimestamp();
      } else {
        reuse.replace(a, timestamp);
      }
      output.collect(reuse);
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    // Sized from the last snapshot, so a large stage is not regrown at every checkpoint.
    DataOutputSerializer out = new DataOutputSerializer(Math.max(1 << 16, lastSnapshotBytes));
    stage.writeTo(out);
    lastSnapshotBytes = out.length();
    stageState.update(List.of(out.getCopyOfBuffer()));
  }
}
