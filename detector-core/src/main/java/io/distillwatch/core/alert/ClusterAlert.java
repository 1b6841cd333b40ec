package io.distillwatch.core.alert;

import java.util.List;
import java.util.Map;

/**
 * An alert about a cluster of accounts linked by shared indicators (payment fingerprint, prompt
 * templates, network, ...).
 *
 * @param alertId unique id of this alert
 * @param clusterId id of the cluster
 * @param accounts every member account; not empty
 * @param detectedAt event time of detection, epoch milliseconds
 * @param score confidence in [0, 1]
 * @param exchanges exchanges seen so far from all members, {@code >= 0}
 * @param sharedIndicators indicator name (e.g. {@code payment_fingerprint}) to the values shared by
 *     members, in the detector's order
 * @param reasons plain sentences saying why
 */
public record ClusterAlert(
    String alertId,
    String clusterId,
    List<String> accounts,
    long detectedAt,
    double score,
    long exchanges,
    Map<String, List<String>> sharedIndicators,
    List<String> reasons)
    implements Alert {

  public ClusterAlert {
    AlertChecks.id(alertId, "alertId");
    AlertChecks.id(clusterId, "clusterId");
    accounts = AlertChecks.strings(accounts, "accounts");
    if (accounts.isEmpty()) {
      throw new IllegalArgumentException("accounts is empty: a cluster has members");
    }
    AlertChecks.score(score);
    AlertChecks.exchanges(exchanges);
    sharedIndicators = AlertChecks.indicators(sharedIndicators);
    reasons = AlertChecks.strings(reasons, "reasons");
  }

  @Override
  public AlertKind kind() {
    return AlertKind.CLUSTER;
  }
}
