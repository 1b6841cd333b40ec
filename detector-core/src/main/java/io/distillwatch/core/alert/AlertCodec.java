package io.distillwatch.core.alert;

import static io.distillwatch.core.io.ExchangeCodec.readString;
import static io.distillwatch.core.io.ExchangeCodec.readVarLong;
import static io.distillwatch.core.io.ExchangeCodec.writeString;
import static io.distillwatch.core.io.ExchangeCodec.writeVarLong;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compact binary form of {@link Alert}s, for engines that move alerts between machines (the Flink
 * job's serializer). Every alert round-trips to an equal one, map and list order kept; doubles bit
 * for bit. {@link #read(DataInput, int)} takes the version the reader recorded; corrupt input
 * throws {@link IOException} (an alert's own validation failing included), never a wrong alert.
 *
 * <p>Version 1 (strings and varlongs as in {@link io.distillwatch.core.io.ExchangeCodec}):
 *
 * <pre>
 * byte kind: 0 ACCOUNT, 1 CLUSTER
 * ACCOUNT: string alertId, string accountId, long detectedAt, double score, varlong exchanges,
 *          varlong n, n x (string name, double value), varlong n, n x string reason
 * CLUSTER: string alertId, string clusterId, varlong n, n x string account, long detectedAt,
 *          double score, varlong exchanges, varlong n, n x (string name, varlong m, m x string),
 *          varlong n, n x string reason
 * </pre>
 */
public final class AlertCodec {
  /** Version of the form {@link #write} writes. */
  public static final int VERSION = 1;

  /**
   * {@link #VERSION}, read when called: javac copies the constant into the classes that use it, so
   * code in another module (the Flink job's serializers) that names the constant keeps the value it
   * was compiled against until it is recompiled, while this method returns the binary form version
   * of the detector-core it runs with.
   */
  public static int version() {
    return VERSION;
  }

  /** Most list or map entries accepted when reading: corrupt counts fail, not allocate. */
  static final int MAX_ENTRIES = 1 << 20;

  private AlertCodec() {}

  /** Writes {@code a} in the current version, without a version byte. */
  public static void write(Alert a, DataOutput out) throws IOException {
    if (a instanceof AccountAlert x) {
      out.writeByte(0);
      writeString(x.alertId(), out);
      writeString(x.accountId(), out);
      out.writeLong(x.detectedAt());
      out.writeDouble(x.score());
      writeVarLong(x.exchanges(), out);
      writeVarLong(x.signals().size(), out);
      for (Map.Entry<String, Double> s : x.signals().entrySet()) {
        writeString(s.getKey(), out);
        out.writeDouble(s.getValue());
      }
      writeStrings(x.reasons(), out);
    } else {
      ClusterAlert x = (ClusterAlert) a;
      out.writeByte(1);
      writeString(x.alertId(), out);
      writeString(x.clusterId(), out);
      writeStrings(x.accounts(), out);
      out.writeLong(x.detectedAt());
      out.writeDouble(x.score());
      writeVarLong(x.exchanges(), out);
      writeVarLong(x.sharedIndicators().size(), out);
      for (Map.Entry<String, List<String>> s : x.sharedIndicators().entrySet()) {
        writeString(s.getKey(), out);
        writeStrings(s.getValue(), out);
      }
      writeStrings(x.reasons(), out);
    }
  }

  /** Reads an alert written by {@link #write} in the current version. */
  public static Alert read(DataInput in) throws IOException {
    return read(in, VERSION);
  }

  /**
   * Reads an alert written in {@code version}.
   *
   * @throws IOException if the version is unknown or the data is corrupt or truncated
   */
  public static Alert read(DataInput in, int version) throws IOException {
    if (version != 1) {
      throw new IOException("unknown alert form version " + version + " (known: 1)");
    }
    int kind = in.readUnsignedByte();
    try {
      if (kind == 0) {
        String alertId = readString(in);
        String accountId = readString(in);
        long detectedAt = in.readLong();
        double score = in.readDouble();
        long exchanges = readVarLong(in);
        int n = count(in);
        Map<String, Double> signals = new LinkedHashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
          signals.put(readString(in), in.readDouble());
        }
        return new AccountAlert(
            alertId, accountId, detectedAt, score, exchanges, signals, readStrings(in));
      } else if (kind == 1) {
        String alertId = readString(in);
        String clusterId = readString(in);
        List<String> accounts = readStrings(in);
        long detectedAt = in.readLong();
        double score = in.readDouble();
        long exchanges = readVarLong(in);
        int n = count(in);
        Map<String, List<String>> indicators = new LinkedHashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
          indicators.put(readString(in), readStrings(in));
        }
        return new ClusterAlert(
            alertId,
            clusterId,
            accounts,
            detectedAt,
            score,
            exchanges,
            indicators,
            readStrings(in));
      }
    } catch (IllegalArgumentException | NullPointerException ex) {
      throw new IOException("corrupt alert: " + ex.getMessage(), ex);
    }
    throw new IOException("corrupt alert: kind " + kind);
  }

  private static void writeStrings(List<String> list, DataOutput out) throws IOException {
    writeVarLong(list.size(), out);
    for (String s : list) {
      writeString(s, out);
    }
  }

  private static List<String> readStrings(DataInput in) throws IOException {
    int n = count(in);
    List<String> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(readString(in));
    }
    return list;
  }

  private static int count(DataInput in) throws IOException {
    long n = readVarLong(in);
    if (n > MAX_ENTRIES) {
      throw new IOException("corrupt alert: " + n + " entries");
    }
    return (int) n;
  }
}
