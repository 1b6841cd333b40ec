package io.distillwatch.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.distillwatch.core.io.ExchangeParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP service in front of a {@link Guard}, on the JDK's {@code HttpServer}: {@code POST
 * /v1/exchanges} with one exchange's metadata as the JSON body (the input schema) answers the
 * guard's {@link Verdict}: {@value Verdict#SERVED}, {@value Verdict#REFUSED} with the alert's
 * reasons, or {@value Verdict#BAD_REQUEST}. Other paths answer 404, other methods 405, bodies over
 * {@value #MAX_BODY_BYTES} bytes 413; every answer is JSON.
 *
 * <p>Requests are handled on a small pool of daemon threads; the guard serializes access to what it
 * embeds. {@link #close} stops accepting, waits up to one second for requests in flight, and frees
 * the port.
 *
 * <p>Implementation notes: the JDK server writes a response's headers and body in two writes, and
 * by default leaves Nagle's algorithm on, so the body waits for the client's delayed ACK of the
 * headers: about 40 ms per request on Linux. Unless the JVM was started with {@code
 * -Dsun.net.httpserver.nodelay=...}, loading this class sets it to {@code true}; the JDK reads it
 * once, when the first server of the JVM is created.
 */
public final class DetectionGateway implements AutoCloseable {
  /** The one endpoint. */
  public static final String PATH = "/v1/exchanges";

  /** Largest accepted body: the parser's line limit. */
  public static final int MAX_BODY_BYTES = ExchangeParser.DEFAULT_MAX_LINE_BYTES;

  private static final Logger LOG = LoggerFactory.getLogger(DetectionGateway.class);
  private static final byte[] NOT_FOUND = json("{\"status\":\"not_found\"}");
  private static final byte[] NOT_ALLOWED = json("{\"status\":\"method_not_allowed\"}");
  private static final byte[] TOO_LARGE = json("{\"status\":\"too_large\"}");
  private static final byte[] FAILED = json("{\"status\":\"error\"}");

  static {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService pool;
  private final Guard guard;

  private DetectionGateway(HttpServer server, ExecutorService pool, Guard guard) {
    this.server = server;
    this.pool = pool;
    this.guard = guard;
  }

  /**
   * Starts a gateway.
   *
   * @param address where to listen; port 0 picks a free port (see {@link #address})
   * @param guard decides each request
   * @param threads request-handling threads, at least 1
   * @throws IOException if the address cannot be bound
   */
  public static DetectionGateway start(InetSocketAddress address, Guard guard, int threads)
      throws IOException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(guard, "guard");
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    }
    HttpServer server = HttpServer.create(address, 128);
    ExecutorService pool = Executors.newFixedThreadPool(threads, new Daemons());
    DetectionGateway gateway = new DetectionGateway(server, pool, guard);
    server.createContext(PATH, gateway::handle);
    server.setExecutor(pool);
    server.start();
    return gateway;
  }

  /** The bound address, with the actual port. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** The endpoint's URI, e.g. {@code http://127.0.0.1:8080/v1/exchanges}. */
  public URI uri() {
    InetSocketAddress a = address();
    return URI.create("http://" + a.getHostString() + ":" + a.getPort() + PATH);
  }

  private void handle(HttpExchange http) throws IOException {
    try (http) {
      if (!PATH.equals(http.getRequestURI().getPath())) {
        send(http, 404, NOT_FOUND);
        return;
      }
      if (!"POST".equals(http.getRequestMethod())) {
        http.getResponseHeaders().set("Allow", "POST");
        send(http, 405, NOT_ALLOWED);
        return;
      }
      byte[] body = new byte[1024];
      int length = 0;
      try (InputStream in = http.getRequestBody()) {
        int n;
        while ((n = in.read(body, length, body.length - length)) > 0) {
          length += n;
          if (length == body.length) {
            if (length > MAX_BODY_BYTES) {
              // Read what the client is still sending, so it sees the answer and not a reset
              // connection; give up on bodies beyond a few times the limit.
              discard(in);
              send(http, 413, TOO_LARGE);
              return;
            }
            body = Arrays.copyOf(body, Math.min(2 * body.length, MAX_BODY_BYTES + 1));
          }
        }
      }
      Verdict v;
      try {
        v = guard.check(body, length);
      } catch (RuntimeException e) {
        LOG.error("guard failed on a request", e);
        send(http, 500, FAILED);
        return;
      }
      send(http, v.status(), v.bytes());
    }
  }

  private static void discard(InputStream in) throws IOException {
    byte[] sink = new byte[8192];
    long left = 4L * MAX_BODY_BYTES;
    int n;
    while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
      left -= n;
    }
  }

  private static void send(HttpExchange http, int status, byte[] body) throws IOException {
    http.getResponseHeaders().set("Content-Type", "application/json");
    http.sendResponseHeaders(status, body.length);
    try (OutputStream out = http.getResponseBody()) {
      out.write(body);
    }
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(1);
    pool.shutdown();
    try {
      pool.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Daemon threads, so a forgotten gateway never keeps a JVM alive. */
  private static final class Daemons implements ThreadFactory {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "distillwatch-gateway-" + next.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }
}
