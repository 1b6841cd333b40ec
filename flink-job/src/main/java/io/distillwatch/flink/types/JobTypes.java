package io.distillwatch.flink.types;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.io.Exchange;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** Type information of the job's own types; each one has a serializer of ours. */
public final class JobTypes {
  private JobTypes() {}

  public static final TypeInformation<Exchange> EXCHANGE =
      new FormTypeInfo<>(Exchange.class, new ExchangeSerializer());

  public static final TypeInformation<Alert> ALERT =
      new FormTypeInfo<>(Alert.class, new AlertSerializer());
}
