package io.distillwatch.flink.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.flink.types.MarkedExchange;
import io.distillwatch.flink.types.NoveltyMark;
import io.distillwatch.flink.types.SequencedExchange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * {@link PairMarks}: exchanges out in their arrival order, each with its own verdict, whatever the
 * verdicts' order.
 */
class PairMarksTest {
  private static final long T0 = 1_776_902_400_000L;

  private static int key(String account) {
    return account.hashCode();
  }

  private static KeyedTwoInputStreamOperatorTestHarness<
          Integer, SequencedExchange, NoveltyMark, MarkedExchange>
      harness(PairMarks op) throws Exception {
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            op, SequencedExchange::accountKey, NoveltyMark::accountKey, Types.INT);
    h.open();
    return h;
  }

  private static SequencedExchange sequenced(String account, long t, long sequence) {
    return SequencedExchange.of(Exchange.builder(t, account).promptHash("p" + t).build(), sequence);
  }

  @Test
  void verdictsInAnyOrder_exchangesLeaveInArrivalOrderWithTheirOwnVerdicts() throws Exception {
    for (int seed = 0; seed < 50; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      int n = 2_000;
      List<SequencedExchange> in = new ArrayList<>();
      boolean[] novel = new boolean[n];
      for (int i = 0; i < n; i++) {
        // Sequences as two source subtasks number them, interleaved; event time not in order.
        long sequence = ((long) (i & 1) << 40) | (i >> 1);
        in.add(sequenced("acct-" + random.nextInt(7), T0 + random.nextInt(60_000), sequence));
        novel[i] = random.nextBoolean();
      }
      // Each verdict arrives at a random point up to 300 records before or after its exchange.
      List<Object[]> events = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        events.add(new Object[] {(double) i, in.get(i)});
        double at = i + (random.nextDouble() - 0.5) * 600;
        SequencedExchange x = in.get(i);
        events.add(new Object[] {at, new NoveltyMark(x.accountKey(), x.sequence(), novel[i])});
      }
      events.sort((a, b) -> Double.compare((double) a[0], (double) b[0]));
      PairMarks op = new PairMarks();
      try (var h = harness(op)) {
        for (Object[] e : events) {
          if (e[1] instanceof SequencedExchange x) {
            h.processElement1(new StreamRecord<>(x, x.encoded().timestamp()));
          } else {
            h.processElement2(new StreamRecord<>((NoveltyMark) e[1]));
          }
        }
        List<StreamRecord<? extends MarkedExchange>> out = new ArrayList<>();
        h.getOutput().forEach(o -> out.add(cast(o)));
        assertEquals(n, out.size(), "seed " + seed);
        for (int i = 0; i < n; i++) {
          MarkedExchange m = out.get(i).getValue();
          assertEquals(in.get(i).encoded(), m.encoded(), "seed " + seed + " position " + i);
          assertEquals(novel[i], m.novelPrompt(), "seed " + seed + " position " + i);
          assertEquals(in.get(i).encoded().timestamp(), out.get(i).getTimestamp());
        }
        assertEquals(0, op.waiting());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static StreamRecord<? extends MarkedExchange> cast(Object o) {
    return (StreamRecord<? extends MarkedExchange>) o;
  }

  @Test
  void exchangeWaitsForItsVerdict_andLaterOnesWaitBehindIt() throws Exception {
    PairMarks op = new PairMarks();
    try (var h = harness(op)) {
      h.processElement1(new StreamRecord<>(sequenced("a", T0, 1), T0));
      h.processElement1(new StreamRecord<>(sequenced("b", T0 + 1, 2), T0 + 1));
      h.processElement2(new StreamRecord<>(new NoveltyMark(key("b"), 2, true)));
      assertTrue(h.getOutput().isEmpty(), "b's exchange came after a's, which has no verdict");
      h.processElement2(new StreamRecord<>(new NoveltyMark(key("a"), 1, false)));
      List<MarkedExchange> out = h.extractOutputValues();
      assertEquals(List.of("a", "b"), out.stream().map(m -> m.encoded().accountId()).toList());
      assertEquals(List.of(false, true), out.stream().map(MarkedExchange::novelPrompt).toList());
    }
  }

  @Test
  void checkpointWithAnExchangeWaiting_fails_andWithNoneHoldsNoState() throws Exception {
    try (var h = harness(new PairMarks())) {
      h.processElement1(new StreamRecord<>(sequenced("a", T0, 1), T0));
      h.processElement2(new StreamRecord<>(new NoveltyMark(key("a"), 1, true)));
      var snapshot = h.snapshot(1, T0);
      assertEquals(0, h.numKeyedStateEntries());
      assertTrue(snapshot.getManagedOperatorState().isEmpty());
      h.processElement1(new StreamRecord<>(sequenced("a", T0 + 1, 2), T0 + 1));
      Exception e = assertThrows(Exception.class, () -> h.snapshot(2, T0 + 1));
      assertTrue(String.valueOf(rootMessage(e)).contains("1 exchanges still wait"), rootMessage(e));
      h.processElement2(new StreamRecord<>(new NoveltyMark(key("a"), 2, false)));
      assertEquals(2, h.extractOutputValues().size());
    }
  }

  @Test
  void verdictWithoutItsExchange_failsTheCheckpointAndTheEndOfInput() throws Exception {
    var h = harness(new PairMarks());
    h.processElement1(new StreamRecord<>(sequenced("a", T0, 1), T0));
    h.processElement2(new StreamRecord<>(new NoveltyMark(key("a"), 1, true)));
    // A second verdict for exchange 1 waits for an exchange that never comes.
    h.processElement2(new StreamRecord<>(new NoveltyMark(key("a"), 1, true)));
    Exception e = assertThrows(Exception.class, () -> h.snapshot(1, T0));
    assertTrue(
        rootMessage(e).contains("0 exchanges still wait") && rootMessage(e).contains("and 1 "),
        rootMessage(e));
    assertThrows(Exception.class, h::close);
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  @Test
  void sequenceTable_agreesWithAHashMap() {
    for (int seed = 0; seed < 20; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      PairMarks.SequenceTable table = new PairMarks.SequenceTable();
      Map<Long, Long> exact = new HashMap<>();
      // Few distinct keys and a skewed key space, so probe runs collide, wrap and shift back.
      long[] space = new long[4_000];
      for (int i = 0; i < space.length; i++) {
        space[i] = random.nextBoolean() ? i : ((long) random.nextInt(64) << 40) | i;
      }
      for (int op = 0; op < 200_000; op++) {
        long key = space[random.nextInt(space.length)];
        if (exact.containsKey(key)) {
          assertEquals((long) exact.remove(key), table.remove(key), "seed " + seed);
        } else if (random.nextInt(3) > 0) {
          long value = random.nextLong();
          exact.put(key, value);
          table.put(key, value);
        } else {
          assertEquals(PairMarks.SequenceTable.ABSENT, table.remove(key), "seed " + seed);
        }
        assertEquals(exact.size(), table.size());
      }
    }
  }
}
