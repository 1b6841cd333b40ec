package io.distillwatch.flink.types;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

class AlertSerializerTest extends SerializerTestBase<Alert> {
  @Override
  protected TypeSerializer<Alert> createSerializer() {
    return new AlertSerializer();
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<Alert> getTypeClass() {
    return Alert.class;
  }

  @Override
  protected boolean allowNullInstances(TypeSerializer<Alert> serializer) {
    return true;
  }

  @Override
  protected Alert[] getTestData() {
    Map<String, Double> signals = new LinkedHashMap<>();
    signals.put("reasoning_share", 0.83);
    signals.put("output_harvest", 8.6);
    Map<String, List<String>> indicators = new LinkedHashMap<>();
    indicators.put("payment_fingerprint", List.of("9c1e"));
    indicators.put("ip", List.of());
    return new Alert[] {
      new AccountAlert("account:a:1", "a", 1L, 0.9996, 412, signals, List.of("why")),
      new ClusterAlert(
          "cluster:a:2:48", "cluster-a", List.of("a", "b"), 2L, 1.0, 5120, indicators, List.of())
    };
  }
}
