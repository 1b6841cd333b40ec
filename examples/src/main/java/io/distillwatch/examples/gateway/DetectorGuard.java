package io.distillwatch.examples.gateway;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.ParseResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The guard that embeds one {@link ExtractionDetector}: it parses a request's metadata with the
 * core's {@link ExchangeParser}, feeds it to the detector and refuses every account an alert names,
 * from that request on and for as long as the guard lives.
 *
 * <ul>
 *   <li>Metadata the parser rejects gets {@value Verdict#BAD_REQUEST} with the reason; it never
 *       reaches the detector.
 *   <li>A request of an account already refused gets {@value Verdict#REFUSED} at once, with the
 *       alert that flagged the account; it never reaches the detector either, as it never reaches
 *       the model.
 *   <li>Any other request is observed. If that raises an alert naming the account (its own account
 *       alert, or a cluster alert listing it), the request is already refused; otherwise it is
 *       served. A cluster alert refuses every member it lists.
 * </ul>
 *
 * <p>The detector and the parser are single-threaded, so {@link #check} holds this guard's lock
 * while it parses and observes: requests are checked one at a time, in the order they take the
 * lock. The refused set grows by the accounts alerts name (by design a small share) and is never
 * cleared; lifting a block is a decision for people, not for this example.
 *
 * <p>This example checks and observes in one call, with the metadata of the whole exchange, token
 * counts included. A production gateway would check the account before forwarding the request and
 * observe the exchange once the model has answered.
 */
public final class DetectorGuard implements Guard {
  private final ExtractionDetector detector;
  private final ExchangeParser parser;
  private final Map<String, Verdict> refused = new HashMap<>();

  /**
   * @param detector the detector to feed; only this guard may use it from now on
   * @param parser the parser of request bodies; only this guard may use it from now on
   */
  public DetectorGuard(ExtractionDetector detector, ExchangeParser parser) {
    this.detector = Objects.requireNonNull(detector, "detector");
    this.parser = Objects.requireNonNull(parser, "parser");
  }

  @Override
  public synchronized Verdict check(byte[] body, int length) {
    ParseResult r = parser.parse(body, 0, length);
    if (!r.isAccepted()) {
      return Verdict.rejected(r.rejection());
    }
    Exchange e = r.exchange();
    Verdict already = refused.get(e.accountId());
    if (already != null) {
      return already;
    }
    List<Alert> alerts = detector.observe(e);
    for (int i = 0; i < alerts.size(); i++) {
      refuse(alerts.get(i));
    }
    Verdict now = refused.get(e.accountId());
    return now != null ? now : Verdict.served();
  }

  private void refuse(Alert alert) {
    // One body per alert, shared by the accounts it names.
    Verdict verdict = Verdict.refused(alert);
    if (alert instanceof AccountAlert a) {
      refused.putIfAbsent(a.accountId(), verdict);
    } else if (alert instanceof ClusterAlert c) {
      for (String member : c.accounts()) {
        refused.putIfAbsent(member, verdict);
      }
    }
  }

  /** Whether requests of the account are refused. */
  public synchronized boolean isRefused(String accountId) {
    return refused.containsKey(accountId);
  }

  /** Accounts refused so far. */
  public synchronized int refusedAccounts() {
    return refused.size();
  }
}
