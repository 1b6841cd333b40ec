package io.distillwatch.core.link;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.sketch.Hash64;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A message between the detector's three stages: the account stage (keyed by account) sends {@link
 * Type#OBSERVE}, {@link Type#EVIDENCE} and {@link Type#ALERT} to the link stage (keyed by {@link
 * #route()}), which turns observations into {@link Type#EDGE}s and {@link Type#INDICATOR}s and
 * passes the rest on to the cluster stage. {@code ExtractionDetector} runs the three in one thread;
 * the Flink job runs each as its own stage, with these messages on the wire.
 *
 * <p>Fields a type does not use are null, 0 or NaN. Messages are sent only on an account's first
 * use of a payment instrument and at its evaluation points (a geometric schedule of its exchange
 * count), not per exchange, so their allocation is off the hot path.
 *
 * @param type what the message says
 * @param route the link stage's key: the link key for observations, the account for the rest
 * @param accountId the account the message is about
 * @param accountHash 64-bit hash of {@code accountId}, never 0
 * @param orgHash hash of the account's declared organisation, 0 if none
 * @param kind the link key's kind (observations, edges, indicators)
 * @param keyHash the link key's hash (observations, edges, indicators)
 * @param value the key as text, for a cluster alert's shared indicators; may be null
 * @param otherId the key's first user, joined to or sharing with {@code accountId} (edges,
 *     indicators)
 * @param otherHash hash of {@code otherId}
 * @param otherOrgHash organisation hash of {@code otherId}
 * @param timestamp event time of the exchange that caused the message
 * @param exchanges the account's exchanges so far
 * @param lnEvidence the account's evidence, {@code -ln p} (evidence, alerts)
 * @param bar the alert threshold on {@code -log10 p} when sent, NaN while uncalibrated (evidence)
 * @param flags {@link #ALLOWLISTED}, {@link #FLAGGED} and {@link #CALIBRATED} bits (evidence,
 *     alerts), {@link #WARMING_UP} (observations)
 * @param liveAccounts the sender's estimate of live accounts in the population (observations)
 * @param alert the account's own alert, a candidate the cluster stage alerts on if its evidence
 *     clears the whole population's threshold (alerts; form 1 only: the account stage no longer
 *     sends them)
 * @param profileStart first exchange time of the account's current profile, so the cluster stage
 *     knows when a profile started afresh (evidence with signals)
 * @param signals the account's raw signal values at an evaluation, which the cluster stage
 *     calibrates into its evidence (evidence; null in a form 1 evidence message, which carries
 *     {@code lnEvidence} instead)
 */
public record StageMessage(
    Type type,
    long route,
    String accountId,
    long accountHash,
    long orgHash,
    LinkKey kind,
    long keyHash,
    String value,
    String otherId,
    long otherHash,
    long otherOrgHash,
    long timestamp,
    long exchanges,
    double lnEvidence,
    double bar,
    int flags,
    double liveAccounts,
    AccountAlert alert,
    long profileStart,
    AccountSignals signals) {

  /** Version of the {@link #writeTo} form; 2 adds the profile start and the signals. */
  public static final int FORM_VERSION = 2;

  /**
   * {@link #FORM_VERSION}, read when called: javac copies the constant into the classes that use
   * it, so code in another module (the Flink job's serializers) that names the constant keeps the
   * value it was compiled against until it is recompiled, while this method returns the form
   * version of the detector-core it runs with.
   */
  public static int formVersion() {
    return FORM_VERSION;
  }

  /** Flag: the account is on the allowlist. */
  public static final int ALLOWLISTED = 1;

  /** Flag: the account's evidence cleared its account stage's threshold. */
  public static final int FLAGGED = 2;

  /** Flag: every active signal's calibrator was ready, so the evidence counts for the threshold. */
  public static final int CALIBRATED = 4;

  /**
   * Flag of an observation: the key was used while rarity cannot be judged yet (a template-set band
   * during the stream's warm-up). The link stage counts the use and may keep the account as the
   * key's first user, but links nobody on it.
   */
  public static final int WARMING_UP = 8;

  private static final LinkKey[] KINDS = LinkKey.values();
  private static final Type[] TYPES = Type.values();

  /** What a message says. */
  public enum Type {
    /** An account used a link key (account stage to link stage). */
    OBSERVE,
    /** Two accounts share a joining key rare enough to link them (link stage to cluster stage). */
    EDGE,
    /** Two accounts share a non-joining key, shown as an indicator if they are linked anyway. */
    INDICATOR,
    /** An account's current evidence and exchange count. */
    EVIDENCE,
    /** A candidate alert on an account's own evidence, decided and de-duplicated downstream. */
    ALERT
  }

  public StageMessage {
    if (type == null || accountId == null) {
      throw new IllegalArgumentException("a stage message needs a type and an account");
    }
  }

  /**
   * The key as text for a cluster alert's shared indicators: {@link #value()}, or for a
   * template-set band, which the account stage sends without text (it would be made at every
   * banding, for the few bands that ever link), the band's name made from its hash here.
   */
  public String indicatorValue() {
    return value == null && kind == LinkKey.TEMPLATE_SET ? bandName(keyHash) : value;
  }

  /** The name of a template-set band in alerts: {@code minhash-band-} and its hash in hex. */
  private static String bandName(long band) {
    return "minhash-band-" + Long.toHexString(band);
  }

  /** The link stage's key of a link key: its hash mixed with its kind, never 0. */
  public static long keyRoute(LinkKey kind, long keyHash) {
    long key = Hash64.mix(keyHash + 0x9E3779B97F4A7C15L * (kind.ordinal() + 1));
    return key == 0 ? 1 : key;
  }

  public static StageMessage observe(
      String accountId,
      long accountHash,
      long orgHash,
      LinkKey kind,
      long keyHash,
      String value,
      long ts,
      long exchanges,
      double liveAccounts) {
    return observe(
        accountId, accountHash, orgHash, kind, keyHash, value, ts, exchanges, liveAccounts, 0);
  }

  /** An observation with flags ({@link #WARMING_UP} or 0). */
  public static StageMessage observe(
      String accountId,
      long accountHash,
      long orgHash,
      LinkKey kind,
      long keyHash,
      String value,
      long ts,
      long exchanges,
      double liveAccounts,
      int flags) {
    return new StageMessage(
        Type.OBSERVE,
        keyRoute(kind, keyHash),
        accountId,
        accountHash,
        orgHash,
        kind,
        keyHash,
        value,
        null,
        0,
        0,
        ts,
        exchanges,
        Double.NaN,
        Double.NaN,
        flags,
        liveAccounts,
        null,
        0,
        null);
  }

  public static StageMessage evidence(
      String accountId,
      long accountHash,
      long orgHash,
      long ts,
      long exchanges,
      double lnEvidence,
      double bar,
      int flags) {
    return new StageMessage(
        Type.EVIDENCE,
        accountHash,
        accountId,
        accountHash,
        orgHash,
        null,
        0,
        null,
        null,
        0,
        0,
        ts,
        exchanges,
        lnEvidence,
        bar,
        flags,
        Double.NaN,
        null,
        0,
        null);
  }

  /**
   * An account's evaluation: its raw signal values, which the cluster stage calibrates into
   * evidence and, when it is surprising enough, an alert.
   *
   * @param flags {@link #ALLOWLISTED} or 0
   */
  public static StageMessage evaluation(
      String accountId,
      long accountHash,
      long orgHash,
      long ts,
      long exchanges,
      long profileStart,
      AccountSignals signals,
      int flags) {
    if (signals == null) {
      throw new IllegalArgumentException("an evaluation needs signals");
    }
    return new StageMessage(
        Type.EVIDENCE,
        accountHash,
        accountId,
        accountHash,
        orgHash,
        null,
        0,
        null,
        null,
        0,
        0,
        ts,
        exchanges,
        Double.NaN,
        Double.NaN,
        flags,
        Double.NaN,
        null,
        profileStart,
        signals);
  }

  public static StageMessage alert(
      AccountAlert alert, long accountHash, long orgHash, double lnEvidence, int flags) {
    return new StageMessage(
        Type.ALERT,
        accountHash,
        alert.accountId(),
        accountHash,
        orgHash,
        null,
        0,
        null,
        null,
        0,
        0,
        alert.detectedAt(),
        alert.exchanges(),
        lnEvidence,
        Double.NaN,
        flags,
        Double.NaN,
        alert,
        0,
        null);
  }

  /** An edge or indicator from an observation, to the key's first user. */
  StageMessage toAnchor(Type t, String anchorId, long anchorHash, long anchorOrg) {
    return new StageMessage(
        t,
        route,
        accountId,
        accountHash,
        orgHash,
        kind,
        keyHash,
        value,
        anchorId,
        anchorHash,
        anchorOrg,
        timestamp,
        exchanges,
        Double.NaN,
        Double.NaN,
        flags,
        liveAccounts,
        null,
        profileStart,
        signals);
  }

  /**
   * Writes the message. Layout (form version 1; the version is the caller's to record, e.g. in a
   * serializer snapshot): byte type, long route, string accountId, long accountHash, long orgHash,
   * byte kind (255: none), long keyHash, nullable string value, nullable string otherId, long
   * otherHash, long otherOrgHash, long timestamp, long exchanges, double lnEvidence, double bar,
   * int flags, double liveAccounts, boolean hasAlert and then the alert: alertId, detectedAt,
   * score, exchanges, int n signals (string, double), int n reasons (string). Form 2 appends long
   * profileStart, boolean hasSignals and then the {@link AccountSignals} form.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(type.ordinal());
    out.writeLong(route);
    out.writeUTF(accountId);
    out.writeLong(accountHash);
    out.writeLong(orgHash);
    out.writeByte(kind == null ? 255 : kind.ordinal());
    out.writeLong(keyHash);
    writeNullable(out, value);
    writeNullable(out, otherId);
    out.writeLong(otherHash);
    out.writeLong(otherOrgHash);
    out.writeLong(timestamp);
    out.writeLong(exchanges);
    out.writeDouble(lnEvidence);
    out.writeDouble(bar);
    out.writeInt(flags);
    out.writeDouble(liveAccounts);
    out.writeBoolean(alert != null);
    if (alert != null) {
      out.writeUTF(alert.alertId());
      out.writeLong(alert.detectedAt());
      out.writeDouble(alert.score());
      out.writeLong(alert.exchanges());
      out.writeInt(alert.signals().size());
      for (Map.Entry<String, Double> s : alert.signals().entrySet()) {
        out.writeUTF(s.getKey());
        out.writeDouble(s.getValue());
      }
      out.writeInt(alert.reasons().size());
      for (String r : alert.reasons()) {
        out.writeUTF(r);
      }
    }
    out.writeLong(profileStart);
    out.writeBoolean(signals != null);
    if (signals != null) {
      signals.writeTo(out);
    }
  }

  /** Reads the form of {@link #writeTo}; corrupt input throws an {@link IOException}. */
  public static StageMessage readFrom(DataInput in) throws IOException {
    return readFrom(in, FORM_VERSION);
  }

  /** Reads form {@code version} (1 or 2); corrupt input throws an {@link IOException}. */
  public static StageMessage readFrom(DataInput in, int version) throws IOException {
    if (version != 1 && version != FORM_VERSION) {
      throw new IOException("stage message form version " + version + " unknown");
    }
    int t = in.readUnsignedByte();
    if (t >= TYPES.length) {
      throw new IOException("stage message type " + t + " unknown");
    }
    long route = in.readLong();
    String accountId = in.readUTF();
    long accountHash = in.readLong();
    long orgHash = in.readLong();
    int k = in.readUnsignedByte();
    if (k != 255 && k >= KINDS.length) {
      throw new IOException("stage message link kind " + k + " unknown");
    }
    long keyHash = in.readLong();
    String value = readNullable(in);
    String otherId = readNullable(in);
    long otherHash = in.readLong();
    long otherOrgHash = in.readLong();
    long timestamp = in.readLong();
    long exchanges = in.readLong();
    double lnEvidence = in.readDouble();
    double bar = in.readDouble();
    int flags = in.readInt();
    double live = in.readDouble();
    AccountAlert alert = null;
    if (in.readBoolean()) {
      String alertId = in.readUTF();
      long detectedAt = in.readLong();
      double score = in.readDouble();
      long alertExchanges = in.readLong();
      int n = count(in.readInt(), "signals");
      Map<String, Double> signals = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        signals.put(in.readUTF(), in.readDouble());
      }
      int r = count(in.readInt(), "reasons");
      List<String> reasons = new ArrayList<>(r);
      for (int i = 0; i < r; i++) {
        reasons.add(in.readUTF());
      }
      try {
        alert =
            new AccountAlert(
                alertId, accountId, detectedAt, score, alertExchanges, signals, reasons);
      } catch (IllegalArgumentException e) {
        throw new IOException("stage message carries an invalid alert: " + e.getMessage(), e);
      }
    }
    long profileStart = 0;
    AccountSignals signals = null;
    if (version >= 2) {
      profileStart = in.readLong();
      if (in.readBoolean()) {
        signals = AccountSignals.readFrom(in);
      }
    }
    return new StageMessage(
        TYPES[t],
        route,
        accountId,
        accountHash,
        orgHash,
        k == 255 ? null : KINDS[k],
        keyHash,
        value,
        otherId,
        otherHash,
        otherOrgHash,
        timestamp,
        exchanges,
        lnEvidence,
        bar,
        flags,
        live,
        alert,
        profileStart,
        signals);
  }

  private static int count(int n, String what) throws IOException {
    if (n < 0 || n > 1 << 16) {
      throw new IOException("stage message alert has " + n + " " + what);
    }
    return n;
  }

  private static void writeNullable(DataOutput out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  private static String readNullable(DataInput in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }
}
