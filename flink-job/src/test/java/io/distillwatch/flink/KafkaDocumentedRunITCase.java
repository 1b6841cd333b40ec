package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.examples.docs.DocCommands;
import io.distillwatch.examples.docs.DocCommands.Shown;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's Kafka command line ({@code run --kafka-bootstrap host:port --input-topic exchanges
 * --alerts-topic alerts [--dead-letter-topic dead]}), read from the README and run through the
 * launcher's command spec against a real broker in this JVM, {@code host:port} being the broker. As
 * shown it runs until stopped, so the test adds {@code --kafka-bounded --starting-offsets earliest
 * -p 1} and a short checkpoint interval; {@link DocumentedCommandsTest} points here.
 */
class KafkaDocumentedRunITCase {
  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.twoSlots();

  static final List<String> BOUNDED =
      List.of(
          "--kafka-bounded",
          "--starting-offsets",
          "earliest",
          "-p",
          "1",
          "--checkpoint-interval",
          "1s",
          "--transactional-id-prefix",
          "dw-docs");

  @Test
  void readmeKafkaRun_bounded_endsWithClosingLineAndFillsTopics() throws Exception {
    List<Shown> kafka =
        DocCommands.shown(DocCommands.root(), DocumentedCommandsTest.subcommands()).stream()
            .filter(
                s ->
                    s.isLauncher()
                        && s.launcherArgs().get(0).equals("run")
                        && s.words().contains("--kafka-bootstrap"))
            .toList();
    assertTrue(!kafka.isEmpty(), "the README shows no Kafka run");
    for (Shown s : kafka) {
      List<String> args = new ArrayList<>();
      for (String a : DocumentedCommandsTest.fullForm(s)) {
        args.add(a.equals("host:port") ? KAFKA.bootstrapServers() : a);
      }
      String in = after(args, "--input-topic");
      String alerts = after(args, "--alerts-topic");
      String dead = after(args, "--dead-letter-topic");
      KAFKA.createTopic(in, 1);
      KAFKA.createTopic(alerts, 1);
      if (dead != null) {
        KAFKA.createTopic(dead, 1);
      }
      List<String> lines = new ArrayList<>();
      Iterator<io.distillwatch.core.io.Exchange> trace = SmallTrace.SPEC.generator().iterator();
      while (lines.size() < 5000 && trace.hasNext()) {
        lines.add(ExchangeJson.toJson(trace.next()));
      }
      lines.add(2500, "not json");
      KAFKA.produce(in, lines);
      args.addAll(BOUNDED);

      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      var cli = Main.commandLine();
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      int code = cli.execute(args.toArray(new String[0]));
      assertEquals(0, code, s + " as " + args + ":\n" + out + err);
      List<String> printed = out.toString().lines().toList();
      String closing = printed.get(printed.size() - 1);
      System.out.printf("documented Kafka run %s: %s%n", s, closing);
      assertTrue(
          closing.matches("records=5001 accepted=5000 rejected=1 alerts=\\d+"), out.toString());
      long raised = Long.parseLong(closing.substring(closing.lastIndexOf('=') + 1));
      assertEquals(raised, KAFKA.readCommitted(alerts).size(), "alerts raised = committed");
      if (dead != null) {
        assertEquals(1, KAFKA.readCommitted(dead).size(), "the bad line in " + dead);
      }
    }
  }

  private static String after(List<String> args, String option) {
    int i = args.indexOf(option);
    return i < 0 ? null : args.get(i + 1);
  }
}
