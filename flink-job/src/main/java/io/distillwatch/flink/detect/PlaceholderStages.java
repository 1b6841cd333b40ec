package io.distillwatch.flink.detect;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.io.Exchange;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Stages that detect nothing, to exercise the job's plumbing (state, timers, checkpoints, counts)
 * on its own: a profile is the account's last event time; each exchange sends its event time to the
 * link stage, keyed by the hour; a link key keeps its last event time; the cluster stage counts
 * messages and never alerts.
 *
 * <p>TODO(core stages): the job uses these until detector-core's AccountStage, LinkStage and
 * ClusterStage land; then DetectionJob binds CoreStages and only tests keep this class.
 */
public final class PlaceholderStages implements Stages<Long, Long, Long> {
  private static final long serialVersionUID = 1L;
  private static final long HOUR = 3_600_000L;

  private final long idleEvictionMillis;

  public PlaceholderStages(long idleEvictionMillis) {
    this.idleEvictionMillis = idleEvictionMillis;
  }

  @Override
  public TypeInformation<Long> profileType() {
    return Types.LONG;
  }

  @Override
  public TypeInformation<Long> messageType() {
    return Types.LONG;
  }

  @Override
  public TypeInformation<Long> linkStateType() {
    return Types.LONG;
  }

  @Override
  public long idleEvictionMillis() {
    return idleEvictionMillis;
  }

  @Override
  public long route(Long message) {
    return Math.floorDiv(message, HOUR);
  }

  @Override
  public AccountLogic<Long, Long> newAccountStage() {
    return new Accounts(0);
  }

  @Override
  public AccountLogic<Long, Long> restoreAccountStage(DataInputView in) throws IOException {
    return new Accounts(in.readLong());
  }

  @Override
  public LinkLogic<Long, Long> newLinkStage() {
    return new LinkLogic<>() {
      @Override
      public Long process(Long state, Long m, List<Long> out) {
        out.add(m);
        return state == null ? m : Math.max(state, m);
      }

      @Override
      public long lastSeen(Long state) {
        return state;
      }
    };
  }

  @Override
  public ClusterLogic<Long> newClusterStage() {
    return new Clusters(0);
  }

  @Override
  public ClusterLogic<Long> restoreClusterStage(DataInputView in) throws IOException {
    return new Clusters(in.readLong());
  }

  private static final class Accounts implements AccountLogic<Long, Long> {
    private long exchanges;

    Accounts(long exchanges) {
      this.exchanges = exchanges;
    }

    @Override
    public Long observe(Long profile, Exchange e, double liveAccounts, List<Long> out) {
      exchanges++;
      out.add(e.timestamp());
      return profile == null ? e.timestamp() : Math.max(profile, e.timestamp());
    }

    @Override
    public long lastSeen(Long profile) {
      return profile;
    }

    @Override
    public void writeTo(DataOutputView out) throws IOException {
      out.writeLong(exchanges);
    }
  }

  private static final class Clusters implements ClusterLogic<Long> {
    private long messages;

    Clusters(long messages) {
      this.messages = messages;
    }

    @Override
    public void process(Long m, List<Alert> out) {
      messages++;
    }

    @Override
    public int liveClusters() {
      return 0;
    }

    @Override
    public void writeTo(DataOutputView out) throws IOException {
      out.writeLong(messages);
    }
  }
}
