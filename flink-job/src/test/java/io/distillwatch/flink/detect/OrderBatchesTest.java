package io.distillwatch.flink.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.types.AlertSerializer;
import io.distillwatch.flink.types.StageMessageSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OrderBatches}: what arrives between two watermarks (or before a barrier, or before every
 * input goes idle) leaves in one order, whatever order it came in, and nothing is held across a
 * checkpoint.
 */
class OrderBatchesTest {
  private static final CoreStages STAGES =
      new CoreStages(
          new DetectorSettings(0.001, Set.of(), Set.of(), Duration.ofDays(7).toMillis()));

  private static List<StageMessage> messages;

  @BeforeAll
  static void messages() {
    messages = ClusterDetectOperatorTest.clusterInput();
  }

  private static OneInputStreamOperatorTestHarness<StageMessage, StageMessage> harness()
      throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(new OrderBatches<>(STAGES));
    h.setup(new StageMessageSerializer());
    h.open();
    return h;
  }

  /** Batch ends: random sizes up to 4,000 messages, the same for every shuffle. */
  private static List<Integer> cuts(long seed) {
    Random random = new Random(seed);
    List<Integer> cuts = new ArrayList<>();
    for (int at = 0; at < messages.size(); ) {
      at = Math.min(messages.size(), at + 1 + random.nextInt(4_000));
      cuts.add(at);
    }
    return cuts;
  }

  /** What leaves the operator: each batch of the trace's messages shuffled with {@code seed}. */
  private static List<StreamRecord<StageMessage>> run(List<Integer> cuts, long seed)
      throws Exception {
    Random random = new Random(seed);
    try (var h = harness()) {
      int from = 0;
      for (int cut : cuts) {
        List<StageMessage> batch = new ArrayList<>(messages.subList(from, cut));
        Collections.shuffle(batch, random);
        long watermark = Long.MIN_VALUE;
        for (StageMessage m : batch) {
          h.processElement(new StreamRecord<>(m, m.timestamp()));
          watermark = Math.max(watermark, m.timestamp());
        }
        if (from == 0) {
          assertTrue(h.extractOutputValues().isEmpty(), "nothing leaves before a watermark");
        }
        h.processWatermark(new Watermark(watermark));
        from = cut;
      }
      List<StreamRecord<StageMessage>> out = new ArrayList<>();
      for (Object o : h.getOutput()) {
        if (o instanceof StreamRecord<?> r) {
          @SuppressWarnings("unchecked")
          StreamRecord<StageMessage> record = (StreamRecord<StageMessage>) r;
          out.add(record);
        }
      }
      return out;
    }
  }

  @Test
  void batchesShuffledAnyWay_leaveInOneOrder_everyMessageOnceWithItsTimestamp() throws Exception {
    for (long cutSeed = 1; cutSeed <= 3; cutSeed++) {
      List<Integer> cuts = cuts(cutSeed);
      List<StreamRecord<StageMessage>> first = run(cuts, 1);
      assertEquals(messages.size(), first.size());
      for (StreamRecord<StageMessage> r : first) {
        assertEquals(r.getValue().timestamp(), r.getTimestamp());
      }
      for (long seed = 2; seed <= 3; seed++) {
        List<StreamRecord<StageMessage>> again = run(cuts, seed);
        assertEquals(
            first.stream().map(StreamRecord::getValue).toList(),
            again.stream().map(StreamRecord::getValue).toList(),
            "cuts " + cutSeed + ", shuffle " + seed);
      }
    }
  }

  /** The point of it: the cluster stage's alerts over shuffled batches are the same every time. */
  @Test
  void clusterStageBehindIt_raisesTheSameAlertsWhateverTheShuffle() throws Exception {
    List<Integer> cuts = cuts(11);
    List<String> first = alerts(run(cuts, 1));
    assertTrue(first.size() >= 10, "alerts " + first.size());
    assertEquals(first, alerts(run(cuts, 2)));
  }

  private static List<String> alerts(List<StreamRecord<StageMessage>> in) throws Exception {
    try (var h = new OneInputStreamOperatorTestHarness<>(new ClusterDetectOperator<>(STAGES))) {
      h.setup(new AlertSerializer());
      h.open();
      for (StreamRecord<StageMessage> r : in) {
        h.processElement(r);
      }
      return h.extractOutputValues().stream().map(AlertJson::toJson).toList();
    }
  }

  @Test
  void held_passedOnBeforeTheBarrier_andWhenTheInputGoesIdle_neverSnapshotted() throws Exception {
    OrderBatches<StageMessage> op = new OrderBatches<>(STAGES);
    try (var h = new OneInputStreamOperatorTestHarness<>(op)) {
      h.setup(new StageMessageSerializer());
      h.open();
      for (int i = 0; i < 100; i++) {
        h.processElement(new StreamRecord<>(messages.get(i), messages.get(i).timestamp()));
      }
      assertTrue(h.extractOutputValues().isEmpty());
      h.prepareSnapshotPreBarrier(1);
      assertEquals(100, h.extractOutputValues().size(), "all of it, before the barrier");
      var snapshot = h.snapshot(1, 1);
      assertTrue(snapshot.getManagedOperatorState().isEmpty(), "no state");
      for (int i = 100; i < 150; i++) {
        h.processElement(new StreamRecord<>(messages.get(i), messages.get(i).timestamp()));
      }
      h.setProcessingTime(60_000);
      assertEquals(100, h.extractOutputValues().size(), "wall-clock time alone is no cut point");
      h.processWatermarkStatus(WatermarkStatus.IDLE);
      assertEquals(150, h.extractOutputValues().size(), "every input idle: passed on");
      assertEquals(0, op.held());
    }
  }
}
