package io.distillwatch.flink.detect;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertKind;
import io.distillwatch.flink.types.JobTypes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The cluster stage at parallelism 1: merges links into clusters, scores them and de-duplicates
 * alerts. It sees only what the link stage passes on, never every exchange. Its state (the
 * union-find and cluster scores) is operator state, one entry.
 */
public final class ClusterDetectFunction<M> extends ProcessFunction<M, Alert>
    implements CheckpointedFunction, ResultTypeQueryable<Alert> {
  private static final long serialVersionUID = 1L;

  private final Stages<?, M, ?> stages;

  private transient ListState<byte[]> stageState;
  private transient int lastSnapshotBytes;
  private transient Stages.ClusterLogic<M> stage;
  private transient List<Alert> alerts;
  private transient Counter accountAlerts;
  private transient Counter clusterAlerts;
  private transient LongCounter alertTotal;

  public ClusterDetectFunction(Stages<?, M, ?> stages) {
    this.stages = stages;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
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
  public void open(OpenContext openContext) {
    alerts = new ArrayList<>();
    var metrics = getRuntimeContext().getMetricGroup();
    accountAlerts = metrics.counter("alertsAccount");
    clusterAlerts = metrics.counter("alertsCluster");
    metrics.gauge("liveClusters", () -> stage.liveClusters());
    alertTotal = new LongCounter();
    getRuntimeContext().addAccumulator("alerts", alertTotal);
  }

  @Override
  public void processElement(M m, Context ctx, Collector<Alert> out) {
    alerts.clear();
    // detector-core ClusterStage.process, through the seam.
    stage.process(m, alerts);
    for (int i = 0; i < alerts.size(); i++) {
      Alert a = alerts.get(i);
      (a.kind() == AlertKind.ACCOUNT ? accountAlerts : clusterAlerts).inc();
      alertTotal.add(1);
      out.collect(a);
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    // Sized from the last snapshot, so a large stage is not regrown at every checkpoint.
    DataOutputSerializer out = new DataOutputSerializer(Math.max(1 << 16, lastSnapshotBytes));
    stage.writeTo(out);
    lastSnapshotBytes = out.length();
    stageState.update(List.of(out.getCopyOfBuffer()));
  }

  @Override
  public TypeInformation<Alert> getProducedType() {
    return JobTypes.ALERT;
  }
}
