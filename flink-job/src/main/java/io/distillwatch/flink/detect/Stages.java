package io.distillwatch.flink.detect;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.io.Exchange;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The seam between the Flink functions and detector-core's three detection stages: the functions
 * own state, timers, checkpoints and metrics; a {@code Stages} says what each stage computes and
 * what its types are. {@code CoreStages} binds detector-core's {@code AccountStage}, {@code
 * LinkStage} and {@code ClusterStage}; tests bind simple fakes to check the plumbing alone.
 *
 * <p>The core detector's {@code observe} is exactly account stage, then link stage for each
 * message, then cluster stage for each result; the job runs the same calls in three keyed stages,
 * so at parallelism 1 it raises the same alerts as the core replay.
 *
 * @param <P> per-account profile, kept in keyed state
 * @param <M> message from the account stage to the link stage and on to the cluster stage
 * @param <L> per-link-key state, kept in keyed state
 */
public interface Stages<P, M, L> extends Serializable {
  TypeInformation<P> profileType();

  TypeInformation<M> messageType();

  TypeInformation<L> linkStateType();

  /** Event time after which an account or link key with no activity is dropped. */
  long idleEvictionMillis();

  /** The key of a message for the link stage. */
  long route(M message);

  /**
   * A total order of messages into the cluster stage, by event time first: the order in which
   * {@link OrderBatches} passes on a batch of messages from several link subtasks, so the batch's
   * outcome does not depend on how the network interleaved them. Messages of one exchange come in
   * the order the core detector gives them where that is known (links before the evaluation).
   */
  int compare(M a, M b);

  /** A fresh prompt stage (prompt novelty) for one parallel subtask. */
  PromptLogic newPromptStage();

  /** A prompt stage as {@link PromptLogic#writeTo} wrote it. */
  PromptLogic restorePromptStage(DataInputView in) throws IOException;

  /** A fresh account stage (population statistics) for one parallel subtask. */
  AccountLogic<P, M> newAccountStage();

  /** An account stage as {@link AccountLogic#writeTo} wrote it. */
  AccountLogic<P, M> restoreAccountStage(DataInputView in) throws IOException;

  /** The link stage's logic; its state lives in keyed state only. */
  LinkLogic<L, M> newLinkStage();

  /** A fresh cluster stage (union-find, cluster scores, alert de-duplication). */
  ClusterLogic<M> newClusterStage();

  /** A cluster stage as {@link ClusterLogic#writeTo} wrote it. */
  ClusterLogic<M> restoreClusterStage(DataInputView in) throws IOException;

  /** The prompt stage of one subtask. */
  interface PromptLogic {
    /**
     * Records a prompt by its key ({@link io.distillwatch.core.detect.PromptStage#promptKey}, 0 for
     * none); whether it was new to the population.
     */
    boolean novel(long promptKey);

    void writeTo(DataOutputView out) throws IOException;
  }

  /** The account stage of one subtask. */
  interface AccountLogic<P, M> {
    /**
     * Folds {@code e} into {@code profile} (null for a new account) and returns the profile to
     * keep; appends messages for the link stage to {@code out}. The stage decides idle expiry
     * itself, from event time: the function's timers only reclaim state.
     *
     * @param novelPrompt the prompt stage's verdict on {@code e}
     */
    P observe(P profile, Exchange e, boolean novelPrompt, List<M> out);

    /**
     * Tells the stage, once it is created or restored, that it sees one in {@code parallelism} of
     * the accounts; that its state was written by a subtask that saw one in {@code
     * writerParallelism} (the same for a new stage); and how many profiles this subtask holds (for
     * a stage restored from a form that did not count live accounts itself).
     */
    void shards(int parallelism, int writerParallelism, long liveProfiles);

    /** Event time of the profile's latest exchange. */
    long lastSeen(P profile);

    void writeTo(DataOutputView out) throws IOException;
  }

  /** The logic of the stage keyed by link key. */
  interface LinkLogic<L, M> {
    /**
     * Processes {@code m} for its key, whose state is {@code state} (null if none); returns the
     * state to keep (null clears it) and appends messages for the cluster stage to {@code out}.
     */
    L process(L state, M m, List<M> out);

    /**
     * Whether {@link #process} uses the state of {@code m}'s key; if not, the stage passes {@code
     * null} and keeps no state for it.
     */
    boolean keyed(M m);

    /** Event time the key was last used. */
    long lastSeen(L state);
  }

  /** The cluster stage, at parallelism 1. */
  interface ClusterLogic<M> {
    void process(M m, List<Alert> out);

    long liveClusters();

    void writeTo(DataOutputView out) throws IOException;
  }
}
