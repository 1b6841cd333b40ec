package io.distillwatch.examples.cli;

import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.examples.gateway.DetectionGateway;
import io.distillwatch.examples.gateway.DetectorGuard;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distillwatch gateway}: the gateway embedding example as a service. It prints the
 * endpoint's URI on one line, then serves until the process is stopped (or, in tests, the thread
 * running it is interrupted, which closes the gateway and returns 0).
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description =
        "Serves POST /v1/exchanges: each body is one exchange's metadata (the input schema);"
            + " answers 200, or 429 with the alert's reasons once the account is flagged.")
public final class GatewayCommand implements Callable<Integer> {

  @Option(names = "--port", description = "Port to listen on; 0 picks a free one (default: 8080).")
  int port = 8080;

  @Option(names = "--bind", description = "Address to listen on (default: 127.0.0.1).")
  String bind = "127.0.0.1";

  @Option(names = "--threads", description = "Request-handling threads (default: 4).")
  int threads = 4;

  @Mixin DetectorOptions detectorOptions = new DetectorOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65_535) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--port must be in 0..65535, was " + port);
    }
    if (threads < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--threads must be at least 1, was " + threads);
    }
    DetectorGuard guard =
        new DetectorGuard(detectorOptions.detector(), ExchangeParser.builder().build());
    DetectionGateway started;
    try {
      started = DetectionGateway.start(new InetSocketAddress(bind, port), guard, threads);
    } catch (IOException e) {
      throw new IOException("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
    }
    try (DetectionGateway gateway = started) {
      PrintWriter out = spec.commandLine().getOut();
      out.println("gateway: listening on " + gateway.uri());
      out.flush();
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      // Stopped: the gateway is closed by now.
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
