/**
 * How a platform embeds {@code detector-core} in its API gateway: a small HTTP service that asks
 * one embedded {@link io.distillwatch.core.detect.ExtractionDetector} about every request and
 * refuses, with {@code 429 Too Many Requests} and the alert's reasons, the accounts it flags.
 *
 * <p>The pieces, each small enough to copy:
 *
 * <ul>
 *   <li>{@link io.distillwatch.examples.gateway.DetectorGuard}: parse the request's metadata with
 *       {@link io.distillwatch.core.io.ExchangeParser}, feed it to the detector under one lock,
 *       remember every account an alert names, answer a {@link
 *       io.distillwatch.examples.gateway.Verdict}.
 *   <li>{@link io.distillwatch.examples.gateway.DetectionGateway}: the JDK's {@code HttpServer}
 *       serving {@code POST /v1/exchanges} in front of a {@link
 *       io.distillwatch.examples.gateway.Guard}.
 *   <li>{@code bin/distillwatch gateway --port 8080} runs both.
 * </ul>
 *
 * <p>Cost: {@code GatewayBenchmark} in the benchmarks module measures a request through the gateway
 * with the detector and without it (a guard that serves everything) in one run, over loopback.
 */
package io.distillwatch.examples.gateway;
