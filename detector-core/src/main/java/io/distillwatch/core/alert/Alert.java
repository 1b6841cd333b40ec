package io.distillwatch.core.alert;

import java.util.List;

/**
 * An extraction alert raised by the detector: about one account ({@link AccountAlert}) or a cluster
 * of linked accounts ({@link ClusterAlert}). Alerts are immutable values; their JSON-lines form,
 * the output contract, is written and read by {@link AlertJson}.
 */
public sealed interface Alert permits AccountAlert, ClusterAlert {

  /** Which kind of alert this is. */
  AlertKind kind();

  /** Unique id of this alert; never null or empty. */
  String alertId();

  /** Event time at which the alert was raised, epoch milliseconds. */
  long detectedAt();

  /** Confidence that this is an extraction campaign, in [0, 1]. */
  double score();

  /** Exchanges seen so far from the account or cluster, {@code >= 0}. */
  long exchanges();

  /** Plain sentences saying why the alert was raised, most important first; unmodifiable. */
  List<String> reasons();
}
