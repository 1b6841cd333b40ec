package io.distillwatch.core.detect;

import java.util.Locale;

/** Plain-sentence reasons for alerts, one per signal, with the value and how rare it is. */
final class SignalText {
  private SignalText() {}

  static String reason(Signal s, double v, double tail, AccountProfile p) {
    String rare = "only " + AccountStage.percent(tail) + " of accounts go this far";
    return switch (s) {
      case RATE_VS_BASELINE ->
          fmt(
              "%d exchanges in the last 24 hours against this account's usual day (a 1 in 10^%.0f"
                  + " jump); %s.",
              p.hourly.count(p.lastSeen), v, rare);
      case RATE_VS_POPULATION ->
          fmt("%d exchanges in the last 24 hours; %s.", p.hourly.count(p.lastSeen), rare);
      case OUTPUT_HARVEST ->
          fmt(
              "Asks for long completions: %.0f output tokens per exchange on average; %s.",
              p.outputTokens / (double) Math.max(1, p.exchanges), rare);
      case REASONING_SHARE ->
          fmt("%.0f%% of prompts ask for step-by-step reasoning; %s.", 100 * v, rare);
      case CAPABILITY_CONCENTRATION ->
          fmt(
              "%.0f%% of exchanges target coding, agentic work, reasoning or tools; %s.",
              100 * v, rare);
      case TEMPLATE_STRUCTURE ->
          fmt(
              "About %.0f distinct prompts over %.0f templates: templated generation; %s.",
              Math.min(p.exchanges, p.prompts.estimate()),
              Math.max(1, p.templates.estimate()),
              rare);
      case TIMING_REGULARITY ->
          fmt("Requests arrive on a machine-like schedule (burstiness %.2f); %s.", -v, rare);
      case ROUND_THE_CLOCK ->
          fmt(
              "Active round the clock with no daily rhythm (hour-of-day entropy %.2f); %s.",
              v, rare);
      case INFRASTRUCTURE_SPREAD ->
          fmt(
              "About %.0f distinct IPs across %.0f networks for %d exchanges, like a proxy pool; %s.",
              Math.min(p.exchanges, p.ips.estimate()), p.asns.estimate(), p.exchanges, rare);
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
