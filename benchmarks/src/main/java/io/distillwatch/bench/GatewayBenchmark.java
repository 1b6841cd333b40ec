package io.distillwatch.bench;

import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.examples.gateway.DetectionGateway;
import io.distillwatch.examples.gateway.DetectorGuard;
import io.distillwatch.examples.gateway.Guard;
import io.distillwatch.examples.gateway.Verdict;
import io.distillwatch.examples.generate.TraceGenerator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the gateway example's detector adds to a request. Three measurements in one run:
 *
 * <ul>
 *   <li>{@code loopback:withDetector} and {@code loopback:withoutDetector}: one request over
 *       loopback HTTP to a {@link DetectionGateway} with the {@link DetectorGuard}, and to another
 *       with a guard that serves everything. The two run at the same time, one thread each (a JMH
 *       group), so both see the same load on a shared machine; compare their medians ({@code
 *       p0.50}) as a ratio.
 *   <li>{@code guardOnly}: the detector guard called in-process on the same requests (parse,
 *       observe, decide), without HTTP: the detector's own cost per request, which the HTTP round
 *       trip dwarfs.
 * </ul>
 *
 * <p>The trial setup generates three days of the built-in trace at scale 0.01 from 15 May 2026
 * (every campaign active; about 100,000 exchanges over about 3,000 accounts) and feeds the first
 * day straight to each detector guard, so it is calibrated and has flagged accounts before
 * measuring. Each operation sends the next exchange of the rest, in trace order; when it runs out,
 * the same exchanges go round again shifted two days later, so event time keeps moving forward.
 * Every measurement serializes its request per operation, the same work in each.
 *
 * <p>Run: {@code bin/distillwatch jmh GatewayBenchmark -f 1 -wi 3 -i 5 -w 2 -r 2}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class GatewayBenchmark {
  static final Instant TRACE_START = TraceGenerator.DEFAULT_START.plus(Duration.ofDays(30));
  static final long DAY = Duration.ofDays(1).toMillis();

  /** The trace, split into the warm-up day and the requests to send. */
  @State(Scope.Benchmark)
  public static class Trace {
    Exchange[] warmUp;
    Exchange[] requests;

    @Setup(Level.Trial)
    public void generate() {
      TraceGenerator trace =
          TraceGenerator.builder()
              .scale(0.01)
              .start(TRACE_START)
              .end(TRACE_START.plusMillis(3 * DAY))
              .build();
      long warmUntil = TRACE_START.toEpochMilli() + DAY;
      List<Exchange> first = new ArrayList<>();
      List<Exchange> rest = new ArrayList<>();
      for (Exchange e : trace) {
        (e.timestamp() < warmUntil ? first : rest).add(e);
      }
      warmUp = first.toArray(new Exchange[0]);
      requests = rest.toArray(new Exchange[0]);
    }
  }

  /** The next request body of the trace, in order, going round with a shift. */
  static final class Cursor {
    private final Exchange[] requests;
    private int next;
    private long offset;

    Cursor(Trace trace) {
      this.requests = trace.requests;
    }

    String nextBody() {
      if (next == requests.length) {
        next = 0;
        offset += 2 * DAY;
      }
      Exchange e = requests[next++];
      if (offset == 0) {
        return ExchangeJson.toJson(e);
      }
      return ExchangeJson.toJson(DetectorBenchmark.shifted(e, offset));
    }
  }

  /** A detector guard that has seen the warm-up day. */
  static DetectorGuard warmGuard(Trace trace) {
    DetectorGuard guard =
        new DetectorGuard(ExtractionDetector.builder().build(), ExchangeParser.builder().build());
    for (Exchange e : trace.warmUp) {
      byte[] body = ExchangeJson.toJson(e).getBytes(StandardCharsets.UTF_8);
      guard.check(body, body.length);
    }
    return guard;
  }

  /** One gateway on loopback with its own client and cursor. */
  static final class Endpoint {
    final DetectionGateway gateway;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final URI uri;
    final Cursor cursor;

    Endpoint(Guard guard, Trace trace) throws IOException {
      gateway =
          DetectionGateway.start(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), guard, 2);
      uri = gateway.uri();
      cursor = new Cursor(trace);
    }

    int send() throws IOException, InterruptedException {
      HttpResponse<Void> r =
          client.send(
              HttpRequest.newBuilder(uri)
                  .POST(HttpRequest.BodyPublishers.ofString(cursor.nextBody()))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode();
    }
  }

  /** Both gateways, each used by one thread of the group. */
  @State(Scope.Group)
  public static class Gateways {
    Endpoint withDetector;
    Endpoint withoutDetector;
    DetectorGuard guard;

    @Setup(Level.Trial)
    public void start(Trace trace) throws IOException {
      guard = warmGuard(trace);
      withDetector = new Endpoint(guard, trace);
      withoutDetector = new Endpoint((body, length) -> Verdict.served(), trace);
      System.out.printf(
          "%n%,d warm-up exchanges, %,d requests to send; %,d accounts refused so far%n",
          trace.warmUp.length, trace.requests.length, guard.refusedAccounts());
    }

    @TearDown(Level.Trial)
    public void stop() {
      withDetector.gateway.close();
      withoutDetector.gateway.close();
      System.out.printf("%n%,d accounts refused at the end%n", guard.refusedAccounts());
    }
  }

  /** The detector guard in-process, without HTTP. */
  @State(Scope.Thread)
  public static class InProcess {
    DetectorGuard guard;
    Cursor cursor;

    @Setup(Level.Trial)
    public void start(Trace trace) {
      guard = warmGuard(trace);
      cursor = new Cursor(trace);
    }
  }

  @Benchmark
  @Group("loopback")
  @GroupThreads(1)
  public int withDetector(Gateways state) throws Exception {
    return state.withDetector.send();
  }

  @Benchmark
  @Group("loopback")
  @GroupThreads(1)
  public int withoutDetector(Gateways state) throws Exception {
    return state.withoutDetector.send();
  }

  @Benchmark
  public int guardOnly(InProcess state) {
    byte[] body = state.cursor.nextBody().getBytes(StandardCharsets.UTF_8);
    return state.guard.check(body, body.length).status();
  }
}
