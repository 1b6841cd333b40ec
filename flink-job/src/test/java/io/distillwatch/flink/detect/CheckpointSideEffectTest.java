package io.distillwatch.flink.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.detect.AccountProfile;
import io.distillwatch.core.detect.AccountStage;
import io.distillwatch.core.detect.ClusterStage;
import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.core.detect.PromptStage;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkKeyState;
import io.distillwatch.core.link.LinkStage;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.flink.source.ScenarioSpec;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint writes the account and cluster stages while they keep running: writing must not
 * change what they compute afterwards.
 */
class CheckpointSideEffectTest {
  /** A week of three campaigns at a small scale, also {@code AccountDetectOperatorTest}'s input. */
  static final ScenarioSpec WEEK =
      new ScenarioSpec(
          Set.of("reasoning-150k", "agentic-3.4m", "hydra-28m"),
          0.002,
          42,
          Instant.parse("2026-04-15T00:00:00Z").toEpochMilli(),
          Instant.parse("2026-04-22T00:00:00Z").toEpochMilli(),
          600);

  static List<String> run(int writeEvery) throws Exception {
    DetectorConfig config = DetectorConfig.builder().config();
    PromptStage prompts = new PromptStage(config);
    AccountStage accounts = new AccountStage(config);
    LinkStage links = config.newLinkStage();
    ClusterStage clusters = new ClusterStage(config);
    Map<String, AccountProfile> profiles = new HashMap<>();
    Map<Long, LinkKeyState> keys = new HashMap<>();
    List<String> alerts = new ArrayList<>();
    ScenarioSpec spec = WEEK;
    DataOutputStream sink = new DataOutputStream(OutputStream.nullOutputStream());
    long n = 0;
    for (Exchange e : spec.generator()) {
      AccountProfile p = profiles.get(e.accountId());
      List<StageMessage> out = new ArrayList<>();
      profiles.put(e.accountId(), accounts.observe(p, e, prompts.novel(e), out));
      for (StageMessage m : out) {
        List<StageMessage> hop = new ArrayList<>();
        LinkKeyState s = links.process(keys.get(m.route()), m, hop);
        if (s != null) {
          keys.put(m.route(), s);
        }
        for (StageMessage h : hop) {
          List<Alert> a = new ArrayList<>();
          clusters.process(h, a);
          a.forEach(x -> alerts.add(AlertJson.toJson(x)));
        }
      }
      if (writeEvery > 0 && ++n % writeEvery == 0) {
        accounts.writeTo(sink);
        clusters.writeTo(sink);
      }
    }
    return alerts;
  }

  @Test
  void writeTo_midStream_changesNoAlert() throws Exception {
    assertEquals(run(0), run(5_000));
  }
}
