package io.distillwatch.examples.cli;

import io.distillwatch.examples.generate.ScenarioPresets;
import io.distillwatch.examples.generate.TraceGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** What a generated trace holds, shared by every command that generates one. */
public final class TraceOptions {
  @Option(
      names = "--scenario",
      split = ",",
      paramLabel = "<preset>",
      description =
          "Campaign preset, repeatable or comma-separated: all, reasoning-150k, agentic-3.4m,"
              + " pivot-13m, hydra-28m, low-and-slow (default: all); or an adaptive attacker of"
              + " the evasion study (never in all): evasion-baseline, evasion-spread-100|30|10,"
              + " evasion-under-levels, evasion-random-templates, evasion-human-timing,"
              + " evasion-rotate-ip, evasion-camouflage, evasion-own-cards, evasion-unlinked,"
              + " evasion-unlinked-human, evasion-unlinked-under,"
              + " evasion-full-30|10|3.")
  List<String> scenarios = new ArrayList<>(List.of(ScenarioPresets.ALL));

  @Option(
      names = "--scale",
      description =
          "Multiplier of every group's account count; 1 = the public figures (default: 0.01).")
  double scale = TraceGenerator.DEFAULT_SCALE;

  @Option(
      names = "--min-benign-accounts",
      description = "Floor of the benign population (default: 3000).")
  int minBenignAccounts = TraceGenerator.DEFAULT_MIN_BENIGN_ACCOUNTS;

  /**
   * A generator builder with these options set; the caller adds the rest.
   *
   * @throws IllegalArgumentException naming an unknown preset or a scale out of range
   */
  TraceGenerator.Builder builder() {
    return TraceGenerator.builder()
        .scenarios(Set.copyOf(scenarios))
        .scale(scale)
        .minBenignAccounts(minBenignAccounts);
  }
}
