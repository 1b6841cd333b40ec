package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.flink.source.ScenarioSpec;
import io.distillwatch.flink.types.MarkedExchange;
import io.distillwatch.flink.types.NoveltyMark;
import io.distillwatch.flink.types.SequencedExchange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;

/**
 * The pair operator is keyed by the account id's {@code hashCode()} and the account stage, chained
 * to it, by the account id: both must place every account on the same subtask, or the account stage
 * would read keys it does not own.
 */
class AccountKeysTest {
  @Test
  void accountKey_placesEveryAccountWhereItsIdDoes() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      String account = randomId(random);
      Exchange e = Exchange.builder(1_776_902_400_000L, account).build();
      SequencedExchange x = SequencedExchange.of(e, i);
      MarkedExchange m = new MarkedExchange(x.encoded(), false);
      Integer exchangeKey = DetectionJob.SEQUENCED_ACCOUNT_KEY.getKey(x);
      Integer markKey =
          DetectionJob.MARK_ACCOUNT_KEY.getKey(new NoveltyMark(x.accountKey(), i, true));
      String accountKey = DetectionJob.MARKED_ACCOUNT_KEY.getKey(m);
      assertEquals(account, accountKey);
      for (int maxParallelism : new int[] {128, 256, 4096, 32768}) {
        for (int parallelism : new int[] {1, 2, 3, 8, 100}) {
          int expected =
              KeyGroupRangeAssignment.assignKeyToParallelOperator(
                  accountKey, maxParallelism, parallelism);
          assertEquals(
              expected,
              KeyGroupRangeAssignment.assignKeyToParallelOperator(
                  exchangeKey, maxParallelism, parallelism),
              account);
          assertEquals(
              expected,
              KeyGroupRangeAssignment.assignKeyToParallelOperator(
                  markKey, maxParallelism, parallelism),
              account);
        }
      }
    }
  }

  private static String randomId(SplittableRandom random) {
    StringBuilder b = new StringBuilder("acct-");
    int n = random.nextInt(1, 24);
    for (int i = 0; i < n; i++) {
      // Mostly ASCII, some Latin-1 and some outside it (two-byte UTF-8 and beyond).
      int kind = random.nextInt(10);
      b.append(
          kind < 8
              ? (char) random.nextInt(0x21, 0x7f)
              : kind == 8
                  ? (char) random.nextInt(0xa0, 0x100)
                  : (char) random.nextInt(0x100, 0xd800));
    }
    return b.toString();
  }

  /**
   * The account stage shares a task with the pair operator: a network hop between them would cost a
   * serialization of every exchange, and is not needed since they are keyed alike.
   */
  @Test
  void accountStage_isChainedToThePair() {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            DetectionJob.configuration(JobOptions.StateBackend.hashmap, Map.of()));
    env.setParallelism(2);
    DetectionJob.Streams streams =
        DetectionJob.detect(
            env,
            DetectionJob.Input.rawLines(DetectionJob.scenarioSource(ScenarioSpec.builtIn()), 1),
            DetectionJob.stages(
                DetectorSettings.of(io.distillwatch.core.detect.DetectorConfig.builder().config())),
            DetectionJob.DEFAULT_OUT_OF_ORDERNESS,
            DetectionJob.DEFAULT_IDLENESS);
    streams.alerts().sinkTo(new DiscardingSink<>()).setParallelism(1);
    streams.deadLetters().sinkTo(new DiscardingSink<>());
    JobGraph graph = env.getStreamGraph().getJobGraph();
    List<String> names = new ArrayList<>();
    for (JobVertex v : graph.getVertices()) {
      names.add(v.getName());
    }
    assertTrue(
        names.stream().anyMatch(n -> n.matches(".*\\bpair\\b.*->.*\\baccounts\\b.*")),
        "tasks: " + names);
    // So is the cluster stage to the step that orders its input (at parallelism 2).
    assertTrue(names.stream().anyMatch(n -> n.matches("order-clusters -> clusters.*")), "" + names);
  }
}
