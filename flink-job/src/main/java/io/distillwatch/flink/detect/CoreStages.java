package io.distillwatch.flink.detect;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.detect.AccountProfile;
import io.distillwatch.core.detect.AccountStage;
import io.distillwatch.core.detect.ClusterStage;
import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.core.detect.PromptStage;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkKeyState;
import io.distillwatch.core.link.LinkStage;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.types.JobTypes;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * detector-core's stages, as the job runs them: {@link PromptStage} per subtask of the prompt
 * stage, {@link AccountStage} per subtask of the account stage, {@link LinkStage} logic over keyed
 * {@link LinkKeyState}, {@link ClusterStage} at parallelism 1. The core detector calls the same
 * three in the same order, so at parallelism 1 the job raises the core replay's alerts.
 */
public final class CoreStages implements Stages<AccountProfile, StageMessage, LinkKeyState> {
  private static final long serialVersionUID = 1L;

  private final DetectorSettings settings;
  private transient DetectorConfig config;

  public CoreStages(DetectorSettings settings) {
    this.settings = settings;
  }

  private DetectorConfig config() {
    if (config == null) {
      config = settings.config();
    }
    return config;
  }

  @Override
  public TypeInformation<AccountProfile> profileType() {
    return JobTypes.ACCOUNT_PROFILE;
  }

  @Override
  public TypeInformation<StageMessage> messageType() {
    return JobTypes.STAGE_MESSAGE;
  }

  @Override
  public TypeInformation<LinkKeyState> linkStateType() {
    return JobTypes.LINK_KEY_STATE;
  }

  @Override
  public long idleEvictionMillis() {
    return settings.idleEvictionMillis();
  }

  @Override
  public long route(StageMessage message) {
    return message.route();
  }

  @Override
  public int compare(StageMessage a, StageMessage b) {
    int c = Long.compare(a.timestamp(), b.timestamp());
    if (c == 0) {
      c = Long.compare(a.accountHash(), b.accountHash());
    }
    if (c == 0) {
      c = Long.compare(a.exchanges(), b.exchanges());
    }
    if (c == 0) {
      // The core's order within one exchange: its links (from the account stage's observations),
      // then its evaluation.
      c = Integer.compare(rank(a.type()), rank(b.type()));
    }
    if (c == 0) {
      c = Integer.compare(ordinal(a.kind()), ordinal(b.kind()));
    }
    if (c == 0) {
      c = Long.compare(a.keyHash(), b.keyHash());
    }
    if (c == 0) {
      c = Long.compare(a.otherHash(), b.otherHash());
    }
    return c;
  }

  private static int rank(StageMessage.Type type) {
    return type == StageMessage.Type.EDGE || type == StageMessage.Type.INDICATOR ? 0 : 1;
  }

  private static int ordinal(Enum<?> e) {
    return e == null ? -1 : e.ordinal();
  }

  @Override
  public PromptLogic newPromptStage() {
    return new Prompts(new PromptStage(config()));
  }

  @Override
  public PromptLogic restorePromptStage(DataInputView in) throws IOException {
    return new Prompts(PromptStage.readFrom(in, config()));
  }

  @Override
  public AccountLogic<AccountProfile, StageMessage> newAccountStage() {
    return new Accounts(new AccountStage(config()));
  }

  @Override
  public AccountLogic<AccountProfile, StageMessage> restoreAccountStage(DataInputView in)
      throws IOException {
    return new Accounts(AccountStage.readFrom(in, config()));
  }

  @Override
  public LinkLogic<LinkKeyState, StageMessage> newLinkStage() {
    LinkStage stage = config().newLinkStage();
    return new LinkLogic<>() {
      @Override
      public LinkKeyState process(LinkKeyState state, StageMessage m, List<StageMessage> out) {
        return stage.process(state, m, out);
      }

      @Override
      public boolean keyed(StageMessage m) {
        return LinkStage.keyed(m);
      }

      @Override
      public long lastSeen(LinkKeyState state) {
        return state.lastSeen();
      }
    };
  }

  @Override
  public ClusterLogic<StageMessage> newClusterStage() {
    return new Clusters(new ClusterStage(config()));
  }

  @Override
  public ClusterLogic<StageMessage> restoreClusterStage(DataInputView in) throws IOException {
    return new Clusters(ClusterStage.readFrom(in, config()));
  }

  private record Prompts(PromptStage stage) implements PromptLogic {
    @Override
    public boolean novel(long promptKey) {
      return stage.novel(promptKey);
    }

    @Override
    public void writeTo(DataOutputView out) throws IOException {
      stage.writeTo(out);
    }
  }

  private record Accounts(AccountStage stage)
      implements AccountLogic<AccountProfile, StageMessage> {
    @Override
    public AccountProfile observe(
        AccountProfile profile, Exchange e, boolean novelPrompt, List<StageMessage> out) {
      return stage.observe(profile, e, novelPrompt, out);
    }

    @Override
    public void shards(int parallelism, int writerParallelism, long liveProfiles) {
      stage.shards(parallelism);
      stage.seedLiveAccounts(liveProfiles);
      if (writerParallelism != parallelism) {
        stage.rescaleLiveAccounts((double) writerParallelism / parallelism);
      }
    }

    @Override
    public long lastSeen(AccountProfile profile) {
      return profile.lastSeen();
    }

    @Override
    public void writeTo(DataOutputView out) throws IOException {
      stage.writeTo(out);
    }
  }

  private record Clusters(ClusterStage stage) implements ClusterLogic<StageMessage> {
    @Override
    public void process(StageMessage m, List<Alert> out) {
      stage.process(m, out);
    }

    @Override
    public long liveClusters() {
      return stage.liveClusters();
    }

    @Override
    public void writeTo(DataOutputView out) throws IOException {
      stage.writeTo(out);
    }
  }
}
