package io.distillwatch.core.sketch;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The documented inputs behind the golden fixtures in {@code src/test/resources/sketch/golden}.
 * Each sketch gets features {@code Hash64.hash(i)} for i in [0, n), with weight {@code 1 + i % 3}
 * where weights apply. Regenerate ONLY for a new format version: {@link #main} names each file
 * after the version byte it holds and never overwrites an existing file, so older fixtures stay as
 * written (hll-v1.bin predates HyperLogLog format 2; hll-v2.bin is the same input with HIP state):
 * {@code java -cp detector-core/target/test-classes:detector-core/target/classes
 * io.distillwatch.core.sketch.Golden detector-core/src/test/resources/sketch/golden}
 */
final class Golden {
  private Golden() {}

  /** HyperLogLog p = 6, 1000 distinct items. */
  static HyperLogLog hll() {
    HyperLogLog hll = new HyperLogLog(6);
    for (int i = 0; i < 1_000; i++) {
      hll.add(Hash64.hash(i));
    }
    return hll;
  }

  /** CountMinSketch width 16, depth 3, conservative, seed 7; keys i % 50 for i in [0, 500). */
  static CountMinSketch cms() {
    CountMinSketch cms = new CountMinSketch(16, 3, true, 7);
    for (int i = 0; i < 500; i++) {
      cms.add(Hash64.hash(i % 50), 1 + i % 3);
    }
    return cms;
  }

  /** SpaceSaving capacity 8; keys (i * i) % 37 for i in [0, 300), weight 1 + i % 3. */
  static SpaceSaving spaceSaving() {
    SpaceSaving ss = new SpaceSaving(8);
    for (int i = 0; i < 300; i++) {
      ss.add((long) i * i % 37, 1 + i % 3);
    }
    return ss;
  }

  /** MinHash k = 16 of features Hash64.hash(i) for i in [0, 10) (sparse: exercises empty bins). */
  static MinHash minHash() {
    MinHash mh = new MinHash(16);
    for (int i = 0; i < 10; i++) {
      mh.add(Hash64.hash(i));
    }
    return mh;
  }

  /** Writes {@code <name>-v<version>.bin} unless it exists: fixtures are never overwritten. */
  private static void writeNew(Path dir, String name, byte[] bytes) throws IOException {
    Path file = dir.resolve(name + "-v" + bytes[0] + ".bin");
    try {
      Files.write(file, bytes, StandardOpenOption.CREATE_NEW);
      System.out.println("wrote " + file);
    } catch (FileAlreadyExistsException e) {
      System.out.println("kept existing " + file);
    }
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    writeNew(dir, "hll", hll().toBytes());
    writeNew(dir, "cms", cms().toBytes());
    writeNew(dir, "spacesaving", spaceSaving().toBytes());
    writeNew(dir, "minhash", minHash().toBytes());
    System.out.println("hll " + hll().estimate() + " registers " + hll().registerEstimate());
    System.out.println(
        "cms key0 " + cms().estimate(Hash64.hash(0)) + " total " + cms().totalCount());
    System.out.println("ss " + spaceSaving().top(3));
    MinHash other = new MinHash(16);
    for (int i = 5; i < 15; i++) {
      other.add(Hash64.hash(i));
    }
    System.out.println("minhash jaccard " + minHash().jaccard(other));
    System.out.println("hash abc " + Hash64.hash("abc") + " hash 42 " + Hash64.hash(42L));
  }
}
