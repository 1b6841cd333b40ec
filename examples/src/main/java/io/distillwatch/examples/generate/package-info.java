/**
 * Seeded synthetic API traffic with labelled distillation campaigns and a benign population that
 * includes hard negatives: the ground truth the detector is developed and evaluated against.
 *
 * <p>Public surface: {@link io.distillwatch.examples.generate.TraceGenerator} (builder, iteration,
 * JSON-lines output), {@link io.distillwatch.examples.generate.Labels} and {@link
 * io.distillwatch.examples.generate.LabelsJson} (ground truth and its file format), {@link
 * io.distillwatch.examples.generate.ScenarioPresets} (names, parameter tables, the built-in trace).
 *
 * <h2>Model</h2>
 *
 * Every account is an independent event process: a timing shape (human sessions with a diurnal
 * rhythm and idle days, a jittered scheduler, a nightly cron replaying a suite, benchmark bursts)
 * and per-account parameters drawn from its preset's ranges (rate, category mix, reasoning and
 * tool-use shares, token sizes, templates, networks, user agents, payment, model adoption). The
 * campaigns follow the public 2026 reports of industrial-scale distillation (about 150 thousand,
 * 3.4 million, 13 million and 28.8 million exchanges, the largest through about 25,000 accounts
 * behind residential proxy networks). {@code scale} multiplies account counts only, so volume
 * scales linearly and per-account behaviour never changes; small groups keep floors so every
 * archetype, and a measurable benign false-positive rate, exist at any scale.
 *
 * <h2>Honesty</h2>
 *
 * No field gives an attack away: campaigns use the same user agents, ASNs, models and id formats as
 * benign traffic, and each signal a detector can use is also shown by some benign archetype: volume
 * (power users, enterprise batch), shared templates (IDE agents, common public templates), shared
 * IP and payment (enterprise NAT, shared campus NAT, research labs), clockwork timing (batch jobs,
 * CI), reasoning share (benchmarks), repeated prompts across accounts (public benchmarks), fast
 * adoption of a new model (IDE users, early adopters). Campaigns differ in combination and degree,
 * as in the reports, not by a marker.
 *
 * <h2>Reproducibility and order</h2>
 *
 * Each account's random stream is seeded from (seed, group, account index), so an account's
 * exchanges do not depend on which other groups are generated; a priority queue merges accounts
 * into time order, then a seeded share of records is delivered late by at most {@code maxDelay} (30
 * s by default, inside the detector's 60 s allowed lateness). Memory is bounded by the account
 * count plus one delay window of records.
 */
package io.distillwatch.examples.generate;
