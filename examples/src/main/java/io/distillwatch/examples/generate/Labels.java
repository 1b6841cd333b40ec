package io.distillwatch.examples.generate;

import java.util.List;

/**
 * Ground truth of a generated trace: which accounts belong to which campaign, and which benign
 * archetype every other account follows. Written by {@link LabelsJson}; read by the replay
 * evaluator.
 *
 * @param seed generator seed
 * @param scale generator scale
 * @param start trace period start, epoch ms (inclusive)
 * @param end trace period end, epoch ms (exclusive)
 * @param campaigns one entry per generated campaign
 * @param benign one entry per benign archetype
 */
public record Labels(
    long seed, double scale, long start, long end, List<Campaign> campaigns, List<Benign> benign) {

  public Labels {
    campaigns = List.copyOf(campaigns);
    benign = List.copyOf(benign);
  }

  /**
   * One campaign.
   *
   * @param name preset name
   * @param lowAndSlow whether this is the deliberately human-looking campaign (a lower recall
   *     target)
   * @param start timestamp of its first exchange (before generation: its window start)
   * @param end timestamp of its last exchange (before generation: its window end)
   * @param exchanges records written for it (0 before generation)
   * @param accounts its account ids
   */
  public record Campaign(
      String name,
      boolean lowAndSlow,
      long start,
      long end,
      long exchanges,
      List<String> accounts) {
    public Campaign {
      accounts = List.copyOf(accounts);
    }
  }

  /**
   * One benign archetype.
   *
   * @param archetype archetype name
   * @param hardNegative whether it deliberately resembles an attack on some signals
   * @param accounts its account ids
   */
  public record Benign(String archetype, boolean hardNegative, List<String> accounts) {
    public Benign {
      accounts = List.copyOf(accounts);
    }
  }

  /** Total number of labelled accounts. */
  public int accountCount() {
    int n = 0;
    for (Campaign c : campaigns) {
      n += c.accounts().size();
    }
    for (Benign b : benign) {
      n += b.accounts().size();
    }
    return n;
  }
}
