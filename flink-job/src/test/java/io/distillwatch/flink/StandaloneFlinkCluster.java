package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A standalone Flink cluster for a test class, as an operator runs one: a JobManager and a
 * TaskManager with 2 slots, each in a JVM of its own on loopback ports, with only a Flink
 * distribution's classpath (Flink, its dependencies and Log4j; {@code
 * flink-cluster/target/cluster.classpath}, written by the flink-cluster module), started as Flink's
 * scripts start them (memory parameters and dynamic properties from Flink's {@code BashJavaUtils},
 * the JVM options of a distribution's {@code config.yaml}); {@link #flinkRun} is Flink's own
 * command-line client, which submits a job jar over REST. Stopped, and its files deleted, after the
 * class; with {@code -Dkeep.cluster=true} its folder (configuration, the JobManager's,
 * TaskManager's and client's logs) is kept for a look.
 */
final class StandaloneFlinkCluster implements BeforeAllCallback, AfterAllCallback {
  /**
   * The JVM options of a Flink 2 distribution's {@code config.yaml} ({@code env.java.opts.all}),
   * which its scripts pass to every Flink JVM: without them the client cannot build a job graph on
   * Java 17 ({@code ExecutionEnvironmentImpl} opens {@code java.util} by reflection).
   */
  static final List<String> JAVA_OPTS =
      List.of(
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private static final Duration CLUSTER_START = Duration.ofMinutes(2);
  private static final Duration JOB = Duration.ofMinutes(5);

  private Path dir;
  private String classpath;
  private Path conf;
  private Path logs;
  private Path jobJar;
  private int restPort;
  private final List<Process> cluster = new ArrayList<>();

  /** The shaded job jar ({@code target/*-job.jar}), built by {@code package}. */
  Path jobJar() {
    return jobJar;
  }

  /** A folder of this cluster's, deleted with it, for a test's inputs and outputs. */
  Path dir() {
    return dir;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("distillwatch-flink-cluster-");
    Path cp = Path.of("..", "flink-cluster", "target", "cluster.classpath");
    assertTrue(Files.exists(cp), cp.toAbsolutePath() + " (written by the flink-cluster module)");
    classpath = Files.readString(cp).trim();
    try (Stream<Path> jars = Files.list(Path.of("target"))) {
      jobJar =
          jars.filter(p -> p.getFileName().toString().endsWith("-job.jar"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no shaded job jar in target/: run package"))
              .toAbsolutePath();
    }
    conf = Files.createDirectories(dir.resolve("conf"));
    logs = Files.createDirectories(dir.resolve("log"));
    restPort = freePort();
    Files.writeString(
        conf.resolve("config.yaml"),
        String.join(
            "\n",
            "jobmanager.rpc.address: 127.0.0.1",
            "jobmanager.rpc.port: " + freePort(),
            "jobmanager.bind-host: 127.0.0.1",
            "jobmanager.memory.process.size: 1g",
            "taskmanager.bind-host: 127.0.0.1",
            "taskmanager.host: 127.0.0.1",
            "taskmanager.numberOfTaskSlots: 2",
            "taskmanager.memory.process.size: 2g",
            "taskmanager.memory.managed.fraction: 0.1",
            "rest.address: 127.0.0.1",
            "rest.bind-address: 127.0.0.1",
            "rest.port: " + restPort,
            "blob.server.port: " + freePort(),
            "io.tmp.dirs: " + Files.createDirectories(dir.resolve("tmp")),
            "env.java.opts.all: " + String.join(" ", JAVA_OPTS),
            ""));
    Files.writeString(
        conf.resolve("log4j.properties"),
        String.join(
            "\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = MainAppender",
            "appender.main.name = MainAppender",
            "appender.main.type = File",
            "appender.main.append = true",
            "appender.main.fileName = ${sys:log.file}",
            "appender.main.layout.type = PatternLayout",
            "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5level %c - %m%n",
            ""));
    cluster.add(
        flinkProcess(
            "jobmanager",
            "GET_JM_RESOURCE_PARAMS",
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint"));
    cluster.add(
        flinkProcess(
            "taskmanager",
            "GET_TM_RESOURCE_PARAMS",
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner"));
    awaitSlots(2);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (Process p : cluster) {
      p.destroy();
    }
    for (Process p : cluster) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    cluster.clear(); // a rerun of the class in this JVM starts its own
    if (dir != null && !Boolean.getBoolean("keep.cluster")) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * The client's exit code and output, and for failure messages the same with the tails of the
   * cluster's and client's logs.
   */
  record Result(int exit, String output, String diagnostics) {}

  /**
   * Flink's command-line client, as {@code bin/flink} starts it, with this cluster's configuration:
   * {@code flinkRun("run", "-p", "1", jobJar().toString(), ...)} is {@code flink run -p 1 job.jar
   * ...}. Waits for it to exit (an attached run: until the job ends).
   */
  Result flinkRun(String... args) throws Exception {
    return flinkRun(List.of(args));
  }

  /** {@link #flinkRun(String...)} with the arguments in a list. */
  Result flinkRun(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(java("client"));
    cmd.add("org.apache.flink.client.cli.CliFrontend");
    cmd.addAll(args);
    Path out = Files.createTempFile(logs, "client", ".out");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("FLINK_CONF_DIR", conf.toString());
    Process p = pb.start();
    if (!p.waitFor(JOB.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      fail("flink run did not finish in " + JOB + ":\n" + Files.readString(out) + logTails());
    }
    String output = Files.readString(out);
    return new Result(p.exitValue(), output, output + logTails());
  }

  /**
   * A JobManager or TaskManager as Flink's scripts start one: its memory parameters and dynamic
   * properties from {@code BashJavaUtils} (which the scripts call), then the entry point.
   */
  private Process flinkProcess(String name, String params, String entryPoint) throws Exception {
    List<String> util = new ArrayList<>(java(name + "-params"));
    util.addAll(
        List.of(
            "org.apache.flink.runtime.util.bash.BashJavaUtils",
            params,
            "--configDir",
            conf.toString()));
    Process u = new ProcessBuilder(util).redirectErrorStream(true).start();
    String printed = new String(u.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(u.waitFor(60, TimeUnit.SECONDS) && u.exitValue() == 0, printed);
    List<String> results =
        printed
            .lines()
            .filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
            .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()))
            .toList();
    assertTrue(!results.isEmpty(), printed);
    List<String> cmd = java(name);
    cmd.addAll(1, List.of(results.get(0).trim().split("\\s+"))); // heap and memory, first
    cmd.addAll(List.of(entryPoint, "--configDir", conf.toString()));
    if (results.size() > 1 && !results.get(1).isBlank()) {
      cmd.addAll(List.of(results.get(1).trim().split("\\s+")));
    }
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(logs.resolve(name + ".out").toFile())
        .start();
  }

  /** {@code java}, the distribution's JVM options, its logging, and the Flink classpath. */
  private List<String> java(String name) {
    List<String> cmd = new ArrayList<>(List.of(javaBinary()));
    cmd.addAll(JAVA_OPTS);
    cmd.add("-Dlog.file=" + logs.resolve(name + ".log"));
    cmd.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
    cmd.addAll(List.of("-cp", classpath));
    return cmd;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Waits until the TaskManager has registered its slots with the JobManager (REST overview). */
  private void awaitSlots(int slots) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest overview =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + "/overview"))
            .timeout(Duration.ofSeconds(5))
            .build();
    long deadline = System.nanoTime() + CLUSTER_START.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      for (Process p : cluster) {
        if (!p.isAlive()) {
          fail("a cluster process exited with " + p.exitValue() + logTails());
        }
      }
      try {
        last = http.send(overview, HttpResponse.BodyHandlers.ofString()).body();
        if (last.contains("\"slots-total\":" + slots)) {
          return;
        }
      } catch (IOException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(500);
    }
    fail(
        "the cluster did not offer "
            + slots
            + " slots in "
            + CLUSTER_START
            + ": "
            + last
            + logTails());
  }

  /** The last lines of every log and output of the cluster and client, for a failure message. */
  private String logTails() {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path f : files.sorted().toList()) {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        sb.append("\n--- ").append(f.getFileName()).append(" ---\n");
        sb.append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
      }
    } catch (IOException e) {
      sb.append("\n(logs unreadable: ").append(e).append(')');
    }
    return sb.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
