package io.distillwatch.core.detect;

import io.distillwatch.core.link.AccountSignals;
import java.util.Locale;

/** Plain-sentence reasons for alerts, one per signal, with the value and how rare it is. */
final class SignalText {
  private SignalText() {}

  /**
   * The reason for one signal, quoting {@code a}'s figures (see {@link AccountStage}'s evaluation)
   * and the account's exchange count {@code n}.
   */
  static String reason(Signal s, double v, double tail, AccountSignals a, long n) {
    long last24h = (long) a.figure(AccountSignals.LAST_24H);
    String rare = "only " + AccountStage.percent(tail) + " of accounts go this far";
    return switch (s) {
      case RATE_VS_BASELINE ->
          fmt(
              "%d exchanges in the last 24 hours against this account's usual day (a 1 in 10^%.0f"
                  + " jump); %s.",
              last24h, v, rare);
      case RATE_VS_POPULATION -> fmt("%d exchanges in the last 24 hours; %s.", last24h, rare);
      case OUTPUT_HARVEST ->
          fmt(
              "Asks for long completions: %.0f output tokens per exchange on average; %s.",
              a.figure(AccountSignals.OUTPUT_PER_EXCHANGE), rare);
      case REASONING_SHARE ->
          fmt("%.0f%% of prompts ask for step-by-step reasoning; %s.", 100 * v, rare);
      case CAPABILITY_CONCENTRATION ->
          fmt(
              "%.0f%% of exchanges target coding, agentic work, reasoning or tools; %s.",
              100 * v, rare);
      case TEMPLATE_STRUCTURE ->
          fmt(
              "About %.0f prompts new to the population over %.0f templates few other accounts"
                  + " use: templated generation; %s.",
              a.figure(AccountSignals.NOVEL_PROMPTS), a.figure(AccountSignals.TEMPLATES), rare);
      case TIMING_REGULARITY ->
          fmt("Requests arrive on a machine-like schedule (burstiness %.2f); %s.", -v, rare);
      case ROUND_THE_CLOCK ->
          fmt(
              "Active round the clock with no daily rhythm (hour-of-day entropy %.2f); %s.",
              v, rare);
      case INFRASTRUCTURE_SPREAD ->
          fmt(
              "About %.0f distinct IPs across %.0f networks for %d exchanges, like a proxy pool; %s.",
              a.figure(AccountSignals.IPS), a.figure(AccountSignals.NETWORKS), n, rare);
      case MODEL_PIVOT ->
          fmt(
              "Moved %.0f%% of its recent traffic onto a newly released model within days of its"
                  + " release; %s.",
              100 * v, rare);
    };
  }

  private static String fmt(String f, Object... args) {
    return String.format(Locale.ROOT, f, args);
  }
}
