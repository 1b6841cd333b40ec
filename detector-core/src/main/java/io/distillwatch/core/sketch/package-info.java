/**
 * Probabilistic sketches for the detector: distinct counts ({@link
 * io.distillwatch.core.sketch.HyperLogLog}), per-key frequencies ({@link
 * io.distillwatch.core.sketch.CountMinSketch}), heavy hitters ({@link
 * io.distillwatch.core.sketch.SpaceSaving}) and set similarity ({@link
 * io.distillwatch.core.sketch.MinHash}), all fed with the one shared 64-bit hash {@link
 * io.distillwatch.core.sketch.Hash64}.
 *
 * <h2>Why these sketches</h2>
 *
 * An extraction attack shows up as unusual breadth (many distinct prompts per key: HyperLogLog),
 * unusual concentration (a few templates dominating traffic: Space-Saving, count-min) and
 * near-duplicate prompt families across accounts (MinHash + LSH bands). Every sketch is fixed-size,
 * mergeable (per-partition sketches combine into a global one) and serializes to a versioned,
 * checksummed byte form, so it can live in Flink state.
 *
 * <h2>Error behaviour</h2>
 *
 * <ul>
 *   <li>HyperLogLog: {@code estimate()} is the HIP estimator (Ting 2014, Cohen 2015) while the
 *       sketch holds one unmerged stream, relative standard error sqrt(ln 2 / m) = 0.833/sqrt(m)
 *       for n well above m (less below: about 0.577/sqrt(m) for n much smaller than m); after a
 *       merge it is Ertl's register estimator, 1.04/sqrt(m) uniformly from 0 to beyond 10^9 (no
 *       linear-counting switch, hence no bias bump near n = 2.5 m). {@code registerEstimate()}
 *       always gives the register estimator, for numbers that must not depend on how a sketch was
 *       assembled; {@code relativeStandardError()} reports the RSE of the estimator in use. Errors
 *       are approximately normal, so about 68% of estimates fall within one RSE and 99.7% within
 *       three. Reading an accuracy plot: the RSE line should be flat in n (for HIP, rising from
 *       0.58 to 0.83 over n = m .. 100 m). Against Apache DataSketches HLL_6 at equal memory both
 *       estimators match theirs (HIP vs HIP, register vs composite, merge vs union) from n = m/2
 *       up; below 3m/32 DataSketches counts exactly in its coupon modes.
 *   <li>Count-min: one-sided; never underestimates, overestimates by more than eps N with
 *       probability at most delta, where eps = e/width, delta = e^-depth. Conservative update is
 *       never worse and usually much better on skewed streams.
 *   <li>Space-Saving: deterministic; every key above N/c is reported and each count carries its own
 *       error bar [count - error, count].
 *   <li>MinHash: unbiased Jaccard estimate with standard deviation sqrt(J(1-J)/k); disjoint and
 *       identical sets are estimated exactly; banding with b bands of r rows collides with
 *       probability about 1 - (1 - J^r)^b.
 * </ul>
 *
 * <h2>Conventions</h2>
 *
 * Inputs are pre-hashed {@code long}s; the hot path of every sketch is primitive, power-of-two
 * sized and allocation-free. Sketches are not thread-safe. Constructors reject bad parameters with
 * a message naming the bound. {@code fromBytes} throws {@link
 * io.distillwatch.core.sketch.SketchFormatException} rather than return a wrong sketch; golden
 * fixtures of every format version live in the test resources and must keep decoding.
 *
 * <h2>References</h2>
 *
 * <ol>
 *   <li>O. Ertl, "New cardinality estimation algorithms for HyperLogLog sketches", 2017; D. Ting,
 *       "Streamed approximate counting of distinct elements", KDD 2014; E. Cohen, "All-distances
 *       sketches, revisited: HIP estimators for massive graphs analysis", TKDE 2015.
 *   <li>P. Flajolet et al., "HyperLogLog: the analysis of a near-optimal cardinality estimation
 *       algorithm", 2007; S. Heule et al., "HyperLogLog in practice", 2013.
 *   <li>G. Cormode, S. Muthukrishnan, "An improved data stream summary: the count-min sketch",
 *       2005; C. Estan, G. Varghese, conservative update, 2002.
 *   <li>A. Metwally et al., "Efficient computation of frequent and top-k elements", 2005; P.
 *       Agarwal et al., "Mergeable summaries", 2012.
 *   <li>P. Li et al., "One permutation hashing", 2012; A. Shrivastava, "Optimal densification for
 *       fast and accurate minwise hashing", 2017.
 * </ol>
 */
package io.distillwatch.core.sketch;
