package io.distillwatch.core.alert;

import java.util.List;
import java.util.Map;

/**
 * An alert about one account.
 *
 * @param alertId unique id of this alert
 * @param accountId the account the alert is about
 * @param detectedAt event time of detection, epoch milliseconds
 * @param score confidence in [0, 1]
 * @param exchanges exchanges seen so far from the account, {@code >= 0}
 * @param signals signal name to value, in the detector's order; every value finite
 * @param reasons plain sentences saying why
 */
public record AccountAlert(
    String alertId,
    String accountId,
    long detectedAt,
    double score,
    long exchanges,
    Map<String, Double> signals,
    List<String> reasons)
    implements Alert {

  public AccountAlert {
    AlertChecks.id(alertId, "alertId");
    AlertChecks.id(accountId, "accountId");
    AlertChecks.score(score);
    AlertChecks.exchanges(exchanges);
    signals = AlertChecks.signals(signals);
    reasons = AlertChecks.strings(reasons, "reasons");
  }

  @Override
  public AlertKind kind() {
    return AlertKind.ACCOUNT;
  }
}
