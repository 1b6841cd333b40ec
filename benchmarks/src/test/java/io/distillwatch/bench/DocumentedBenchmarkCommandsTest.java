package io.distillwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.distillwatch.examples.docs.DocCommands;
import io.distillwatch.examples.docs.DocCommands.Shown;
import io.distillwatch.examples.generate.ScenarioPresets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The documented commands that need the benchmarks jar ({@code bin/distillwatch jmh ...} and {@code
 * java -cp benchmarks/target/benchmarks.jar <main> ...}), read from the docs; flink-job's {@code
 * DocumentedCommandsTest} points here for them. A {@code jmh} line is parsed with JMH's own
 * command-line parser (an unknown option fails), its pattern must select benchmarks, and the first
 * benchmark it selects runs in this JVM with {@code -f 0 -wi 0 -i 1 -r 100ms}. A {@code java} line
 * must name a class with a {@code main}, with arguments it takes; {@code HeapPerAccount} runs at
 * 2,000 accounts. {@code EvasionStudy} (50-100 s) is run by examples' {@code EvasionStudyTest}.
 * {@code DetectorBenchmark} is parsed and selected but not run: its setup alone takes about 50 s.
 */
class DocumentedBenchmarkCommandsTest {
  private static final String JAR = "benchmarks/target/benchmarks.jar";

  private static List<Shown> shown(Set<String> programs) {
    List<Shown> found = new ArrayList<>();
    for (Shown s : DocCommands.shown(DocCommands.root(), Set.of("jmh"))) {
      boolean jmh = s.isLauncher() && s.launcherArgs().get(0).equals("jmh");
      boolean java = s.words().get(0).equals("java") && s.words().contains(JAR);
      if ((jmh && programs.contains("jmh")) || (java && programs.contains("java"))) {
        found.add(s);
      }
    }
    return found;
  }

  @Test
  void documentedJmhLines_parseSelectAndRun() throws Exception {
    // JMH refuses to start while another JMH holds /tmp/jmh.lock (another build on this shared
    // machine); the lock guards measurements, and this run measures nothing.
    System.setProperty("jmh.ignoreLock", "true");
    List<Shown> jmh = shown(Set.of("jmh"));
    int checked = 0;
    for (Shown s : jmh) {
      List<String> args = s.launcherArgs().subList(1, s.launcherArgs().size());
      if (args.equals(List.of("[JMH", "options]"))) {
        continue; // the command table's synopsis
      }
      CommandLineOptions options;
      try {
        options = new CommandLineOptions(args.toArray(new String[0]));
      } catch (Exception e) {
        fail(s + ": JMH does not take it: " + e.getMessage());
        return;
      }
      SortedSet<BenchmarkListEntry> selected =
          BenchmarkList.defaultList()
              .find(
                  OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT),
                  options.getIncludes(),
                  options.getExcludes());
      assertTrue(!selected.isEmpty(), s + " selects no benchmark");
      String first = selected.first().getUsername();
      if (first.startsWith(DetectorBenchmark.class.getName() + ".")) {
        // Its trial setup replays 2.3 M exchanges to reach 100 k live accounts: 50 s here.
        System.out.printf(
            "documented %s: parsed; %d benchmarks selected; not run (setup ~50 s)%n",
            s, selected.size());
        checked++;
        continue;
      }
      long t0 = System.nanoTime();
      Collection<RunResult> results =
          new Runner(
                  new OptionsBuilder()
                      .parent(options)
                      .include("^" + Pattern.quote(first) + "$")
                      .forks(0)
                      .warmupIterations(0)
                      .measurementIterations(1)
                      .measurementTime(TimeValue.milliseconds(100))
                      .verbosity(VerboseMode.SILENT)
                      .build())
              .run();
      assertTrue(!results.isEmpty(), s + ": " + first + " gave no result");
      for (RunResult r : results) {
        assertTrue(r.getPrimaryResult().getScore() > 0, s + ": " + first + " scored 0");
      }
      System.out.printf(
          "documented %s: parsed; %d benchmarks selected; ran %s in %.1f s%n",
          s, selected.size(), first, (System.nanoTime() - t0) / 1e9);
      checked++;
    }
    assertTrue(checked >= 1, "no runnable jmh line in the docs: " + jmh);
  }

  @Test
  void documentedJavaLines_nameAMainAndItsArguments() throws Exception {
    List<Shown> java = shown(Set.of("java"));
    assertTrue(!java.isEmpty(), "no java line on the benchmarks jar in the docs");
    for (Shown s : java) {
      List<String> w = s.words();
      int at = w.indexOf(JAR) + 1;
      String main = w.get(at);
      List<String> args = w.subList(at + 1, w.size());
      Method m = Class.forName(main).getMethod("main", String[].class);
      assertTrue(Modifier.isStatic(m.getModifiers()), s + ": main is not static");
      switch (main) {
        case "io.distillwatch.bench.HeapPerAccount" -> {
          for (String a : args) {
            Integer.parseInt(a.replace("_", "").replace(",", ""));
          }
          String out = captureOut(() -> HeapPerAccount.main(new String[] {"2000"}));
          assertTrue(out.contains("bytes/account") && out.contains("2,000"), out);
        }
        case "io.distillwatch.examples.evasion.EvasionStudy" -> {
          for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
              case "--seed" -> Long.parseLong(args.get(++i));
              case "--scale" -> Double.parseDouble(args.get(++i));
              default ->
                  assertTrue(
                      ScenarioPresets.EVASION.contains(args.get(i)),
                      s + ": no evasion preset " + args.get(i));
            }
          }
        }
        default -> fail(s + ": DocumentedBenchmarkCommandsTest does not know how to check " + main);
      }
      System.out.printf("documented %s: checked%n", s);
    }
    assertEquals(
        java.size(),
        java.stream().map(Shown::text).filter(t -> t.contains(JAR)).count(),
        "every java line uses the jar");
  }

  private static String captureOut(Runnable r) {
    PrintStream saved = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(saved);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    saved.print(out);
    return out;
  }
}
