package io.distillwatch.flink.source;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * A bounded source over the built-in synthetic scenario, emitting JSON lines. The generator is
 * sequential (one random stream per trace), so there is one split: one reader works and the others
 * go idle; run it at parallelism 1.
 */
public final class ScenarioSource
    extends LineIteratorSource<ScenarioSplit, ScenarioSplit.PositionedIterator> {
  private static final long serialVersionUID = 1L;

  private final ScenarioSpec spec;

  public ScenarioSource(ScenarioSpec spec) {
    super(Boundedness.BOUNDED);
    this.spec = spec;
  }

  @Override
  protected List<ScenarioSplit> initialSplits() {
    return List.of(new ScenarioSplit(spec, 0));
  }

  @Override
  public SimpleVersionedSerializer<ScenarioSplit> getSplitSerializer() {
    return new SplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<Collection<ScenarioSplit>> getEnumeratorCheckpointSerializer() {
    return new CheckpointSerializer();
  }

  /**
   * Version 1 layout: scenario count (int), each name (UTF), scale (double), seed, start, end
   * (longs), min benign accounts (int), records emitted (long).
   */
  static final class SplitSerializer implements SimpleVersionedSerializer<ScenarioSplit> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(ScenarioSplit split) throws IOException {
      DataOutputSerializer out = new DataOutputSerializer(128);
      write(split, out);
      return out.getCopyOfBuffer();
    }

    static void write(ScenarioSplit split, DataOutputSerializer out) throws IOException {
      ScenarioSpec s = split.spec();
      out.writeInt(s.scenarios().size());
      for (String name : s.scenarios()) {
        out.writeUTF(name);
      }
      out.writeDouble(s.scale());
      out.writeLong(s.seed());
      out.writeLong(s.startMillis());
      out.writeLong(s.endMillis());
      out.writeInt(s.minBenignAccounts());
      out.writeLong(split.emitted());
    }

    @Override
    public ScenarioSplit deserialize(int version, byte[] bytes) throws IOException {
      if (version != 1) {
        throw new IOException("unknown scenario split version " + version);
      }
      return read(new DataInputDeserializer(bytes));
    }

    static ScenarioSplit read(DataInputDeserializer in) throws IOException {
      int n = in.readInt();
      List<String> names = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        names.add(in.readUTF());
      }
      ScenarioSpec spec =
          new ScenarioSpec(
              Set.copyOf(names),
              in.readDouble(),
              in.readLong(),
              in.readLong(),
              in.readLong(),
              in.readInt());
      return new ScenarioSplit(spec, in.readLong());
    }
  }

  /** Version 1 layout: split count (int), then each split as in {@link SplitSerializer}. */
  static final class CheckpointSerializer
      implements SimpleVersionedSerializer<Collection<ScenarioSplit>> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(Collection<ScenarioSplit> splits) throws IOException {
      DataOutputSerializer out = new DataOutputSerializer(128);
      out.writeInt(splits.size());
      for (ScenarioSplit s : splits) {
        SplitSerializer.write(s, out);
      }
      return out.getCopyOfBuffer();
    }

    @Override
    public Collection<ScenarioSplit> deserialize(int version, byte[] bytes) throws IOException {
      if (version != 1) {
        throw new IOException("unknown scenario checkpoint version " + version);
      }
      DataInputDeserializer in = new DataInputDeserializer(bytes);
      int n = in.readInt();
      List<ScenarioSplit> splits = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        splits.add(SplitSerializer.read(in));
      }
      return splits;
    }
  }
}
