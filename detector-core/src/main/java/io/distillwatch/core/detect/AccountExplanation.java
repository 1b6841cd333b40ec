package io.distillwatch.core.detect;

import java.util.Map;

/**
 * Why the detector thinks what it thinks about one account; see {@link ExtractionDetector#explain}.
 *
 * @param signals active signal values by wire name
 * @param tails each active signal's upper tail probability in the population
 * @param contentTail combined tail probability of the content signals
 * @param behaviourTail combined tail probability of the behaviour signals
 * @param clusterSize accounts in its cluster (1 when linked to nobody)
 * @param clusterAlerted whether its cluster has been alerted
 * @param flaggedAt event time it was first flagged, -1 if never
 */
public record AccountExplanation(
    String accountId,
    long exchanges,
    Map<String, Double> signals,
    Map<String, Double> tails,
    double contentTail,
    double behaviourTail,
    int clusterSize,
    boolean clusterAlerted,
    long flaggedAt) {
  public AccountExplanation {
    signals = Map.copyOf(signals);
    tails = Map.copyOf(tails);
  }
}
