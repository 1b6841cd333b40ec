/**
 * Online statistics for per-account profiles and detection signals: O(1) updates, no allocation per
 * event, compact versioned serial forms.
 *
 * <ul>
 *   <li>{@link io.distillwatch.core.stats.Ewma}: event-time exponentially weighted mean and
 *       variance with a half-life, exact for irregular intervals (West 1979; Finch 2009).
 *   <li>{@link io.distillwatch.core.stats.RobustStats}: median, MAD and robust z-scores over a
 *       caller's array with caller-provided scratch (quickselect, O(n)).
 *   <li>{@link io.distillwatch.core.stats.TailProbabilities}: Poisson and negative-binomial upper
 *       tails, with log versions that stay finite far below {@code Double.MIN_VALUE}.
 *   <li>{@link io.distillwatch.core.stats.PageHinkley}: the Page-Hinkley change detector (Page
 *       1954; Hinkley 1971).
 *   <li>{@link io.distillwatch.core.stats.InterArrivalStats}: Welford mean and variance of gaps
 *       between events, coefficient of variation and burstiness (Goh and Barabasi 2008).
 *   <li>{@link io.distillwatch.core.stats.HourOfDayHistogram}: 24 UTC hour counters and their
 *       normalised entropy.
 *   <li>{@link io.distillwatch.core.stats.QuantileSketch}: the KLL streaming quantile sketch
 *       (Karnin, Lang and Liberty 2016) with a per-sketch rank error estimate.
 *   <li>{@link io.distillwatch.core.stats.RateAnomalyDetector}: a causal anomaly score in [0, 1]
 *       for any (timestamp, value) series built from the pieces above.
 * </ul>
 *
 * <p>References: D. H. D. West, "Updating mean and variance estimates: an improved method", CACM
 * 22(9), 1979. T. Finch, "Incremental calculation of weighted mean and variance", University of
 * Cambridge, 2009. B. P. Welford, Technometrics 4(3), 1962. E. S. Page, "Continuous inspection
 * schemes", Biometrika 41, 1954. K.-I. Goh and A.-L. Barabasi, "Burstiness and memory in complex
 * systems", EPL 81, 2008. Z. Karnin, K. Lang, E. Liberty, "Optimal quantile approximation in
 * streams", FOCS 2016.
 */
package io.distillwatch.core.stats;
