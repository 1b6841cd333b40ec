package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flink run} of the shaded job jar on a standalone Flink cluster, as the README's "Running
 * on a Flink cluster" tells an operator to run it: a JobManager and a TaskManager, each in a JVM of
 * its own on loopback ports, with only a Flink distribution's classpath (Flink, its dependencies
 * and Log4j; {@code flink-cluster/target/cluster.classpath}), started as Flink's scripts start them
 * (memory parameters from Flink's {@code BashJavaUtils}, the JVM options of a distribution's {@code
 * config.yaml}); the job is submitted by Flink's own command-line client over REST, which ships the
 * jar to the cluster. So the jar must bring everything that is not Flink (detector-core, examples,
 * picocli, the Kafka connector), its classes are loaded by the cluster's user-code class loader,
 * and the job graph crosses processes. The alerts must be the core replay's: that holds at
 * parallelism 1, which {@code flink run -p 1} must therefore set (until stop 28 the job's own
 * default of 2 overrode {@code -p}). The cluster is stopped at the end.
 */
class FlinkRunITCase {
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

  @TempDir static Path dir;
  static String classpath;
  static Path conf;
  static Path logs;
  static Path jobJar;
  static int restPort;
  static final List<Process> cluster = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
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

  @AfterAll
  static void stopCluster() throws InterruptedException {
    for (Process p : cluster) {
      p.destroy();
    }
    for (Process p : cluster) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    cluster.clear(); // a rerun of the class in this JVM starts its own
  }

  @Test
  void flinkRun_shadedJar_p1_alertsAreTheCoreReplays() throws Exception {
    SmallTrace trace = SmallTrace.get();
    Path alerts = dir.resolve("alerts");
    Path rejected = dir.resolve("rejected");
    Result run =
        flinkRun(
            "run",
            "-p",
            "1",
            jobJar.toString(),
            "--input",
            trace.file.toString(),
            "--alerts",
            alerts.toString(),
            "--rejected",
            rejected.toString(),
            "--checkpoint-interval",
            "2s",
            "--flink",
            "execution.checkpointing.dir=" + dir.resolve("checkpoints").toUri());
    assertEquals(0, run.exit(), run.diagnostics());
    assertTrue(run.output().contains("Job has been submitted with JobID"), run.diagnostics());
    List<String> jobAlerts = DetectionJobITCase.readParts(alerts);
    assertEquals(trace.replayAlerts.size(), jobAlerts.size(), "alert count\n" + run.diagnostics());
    assertEquals(new HashSet<>(trace.replayAlerts), new HashSet<>(jobAlerts), "same alerts");
    List<String> dead = DetectionJobITCase.readParts(rejected);
    assertEquals(SmallTrace.BAD_LINES.size(), dead.size(), String.join("\n", dead));
  }

  @Test
  void flinkRun_withoutCheckpointStorage_refusedBeforeSubmittingSayingWhatToSet() throws Exception {
    Result run =
        flinkRun(
            "run",
            jobJar.toString(),
            "--input",
            SmallTrace.get().file.toString(),
            "--alerts",
            dir.resolve("unused-alerts").toString());
    assertTrue(run.exit() != 0, run.diagnostics());
    assertTrue(run.output().contains("no checkpoint storage is configured"), run.diagnostics());
    assertTrue(run.output().contains("execution.checkpointing.dir"), run.diagnostics());
    assertTrue(!run.output().contains("Job has been submitted"), run.diagnostics());
  }

  /**
   * The client's exit code and output, and for failure messages the same with the tails of the
   * cluster's and client's logs.
   */
  record Result(int exit, String output, String diagnostics) {}

  /** Flink's command-line client, as {@code bin/flink} starts it, with the test's conf. */
  private static Result flinkRun(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(java("client"));
    cmd.add("org.apache.flink.client.cli.CliFrontend");
    cmd.addAll(List.of(args));
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
  private static Process flinkProcess(String name, String params, String entryPoint)
      throws Exception {
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
    List<String> cmd = new ArrayList<>(List.of(javaBinary()));
    cmd.addAll(List.of(results.get(0).trim().split("\\s+")));
    cmd.addAll(java(name).subList(1, java(name).size()));
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
  private static List<String> java(String name) {
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
  private static void awaitSlots(int slots) throws Exception {
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
  private static String logTails() {
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
