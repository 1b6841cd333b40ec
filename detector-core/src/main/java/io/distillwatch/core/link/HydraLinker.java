package io.distillwatch.core.link;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

/**
 * Links accounts that behave as one operator ("hydra clusters"). Accounts are small integer
 * indices; the caller joins two accounts that share a key rare enough across the whole population
 * ({@link #join}) and records shared keys that do not join as indicators ({@link #indicate}), and
 * joined accounts are merged into one {@link Cluster} (union-find). Deciding rarity is not the
 * linker's job: the {@link LinkStage} counts each key's distinct users and sends an edge or an
 * indicator only for a key under its kind's cap. A lone account's index can be released ({@link
 * #release}) and is then reused by {@link #register}, so the linker holds one index per account
 * still of interest, not per account ever seen.
 *
 * <p>Implementation notes: union by size with path halving keeps {@link #find} near O(1); clusters
 * are created lazily, so a singleton account costs 40 bytes of per-index arrays here (they double
 * as they grow and never shrink: a released index keeps its slots until it is reused). Released
 * indices are kept on a stack and reused last released first; a released index's parent is {@code
 * -1}, so a caller that still uses one fails at once instead of reading another account's state.
 * Not thread-safe.
 */
public final class HydraLinker {
  /**
   * Version of the {@link #writeTo} form; 2 added account hashes, 3 released indices, 4 dropped the
   * key table (rarity moved to the {@link LinkStage}).
   */
  public static final int FORM_VERSION = 4;

  /** Parent of a released index. */
  private static final int RELEASED = -1;

  // union-find over account indices
  private int[] parent = new int[1024];
  private long[] orgOf = new long[1024];

  /**
   * Hash of the account behind each index (0: unknown). An account evicted while idle and seen
   * again gets a new index; without this, its old and new index would link to each other through
   * its own card and IP, a "cluster" of one account.
   */
  private long[] idOf = new long[1024];

  private Cluster[] clusters = new Cluster[1024];
  private double[] evidenceOf = new double[1024];
  private long[] exchangesOf = new long[1024];

  /** Indices handed out so far: every index in use is below it; the per-index arrays cover it. */
  private int indices;

  /** Released indices, reused from the top. */
  private int[] free = new int[16];

  private int freeCount;
  private long releasedAccounts;
  private long unions;

  /** Clusters by size, in power-of-two buckets: bucket b holds sizes in [2^b, 2^(b+1)). */
  private final long[] clustersBySize = new long[32];

  private HydraLinker() {}

  /** A builder with documented defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Registers a new account and returns its index: the last released index if there is one, else
   * the next unused one (so without releases indices are dense, from 0).
   *
   * @param orgHash hash of its declared organisation, 0 if none
   */
  public int register(long orgHash) {
    return register(orgHash, 0);
  }

  /**
   * Registers a new account and returns its index; indices with the same non-zero {@code
   * accountHash} (one account seen again after its profile was evicted) are never joined.
   *
   * @param orgHash hash of its declared organisation, 0 if none
   * @param accountHash hash of the account id, 0 if unknown
   */
  public int register(long orgHash, long accountHash) {
    int a;
    if (freeCount > 0) {
      a = free[--freeCount];
    } else {
      a = indices++;
      if (a == parent.length) {
        growIndices();
      }
    }
    parent[a] = a;
    orgOf[a] = orgHash;
    idOf[a] = accountHash;
    evidenceOf[a] = Double.NaN;
    exchangesOf[a] = 0;
    return a;
  }

  /** Slow path: double the per-index arrays. */
  private void growIndices() {
    int n = parent.length * 2;
    parent = Arrays.copyOf(parent, n);
    orgOf = Arrays.copyOf(orgOf, n);
    idOf = Arrays.copyOf(idOf, n);
    clusters = Arrays.copyOf(clusters, n);
    evidenceOf = Arrays.copyOf(evidenceOf, n);
    exchangesOf = Arrays.copyOf(exchangesOf, n);
  }

  /**
   * Whether the account could be released now: it is linked to nobody (its own root, with no
   * cluster). Accounts in a cluster never can: clusters are never split.
   */
  public boolean releasable(int account) {
    return parent[account] == account && clusters[account] == null;
  }

  /** Whether the index is released (not in use until {@link #register} hands it out again). */
  public boolean isReleased(int account) {
    return parent[account] == RELEASED;
  }

  /**
   * Releases a lone account's index: its state is cleared and {@link #register} reuses the index.
   * The account itself is forgotten; registered again, it is a new account with nothing linking it
   * to the old index. Releasing takes no union with it, so {@link #componentTail} stays exact: the
   * components lose exactly the released singletons.
   *
   * @throws IllegalArgumentException if the account is in a cluster or already released
   */
  public void release(int account) {
    if (!releasable(account)) {
      throw new IllegalArgumentException(
          "account "
              + account
              + (isReleased(account) ? " is already released" : " is in a cluster")
              + "; only a lone account can be released");
    }
    parent[account] = RELEASED;
    orgOf[account] = 0;
    idOf[account] = 0;
    evidenceOf[account] = Double.NaN;
    exchangesOf[account] = 0;
    if (freeCount == free.length) {
      free = Arrays.copyOf(free, free.length * 2);
    }
    free[freeCount++] = account;
    releasedAccounts++;
  }

  /** The account hash given to {@link #register} for this index, 0 if unknown. */
  public long accountHash(int account) {
    return idOf[account];
  }

  /** Counts one exchange of the account, towards its cluster's total. */
  public void exchange(int account) {
    exchangesOf[account]++;
    Cluster c = clusters[find(account)];
    if (c != null) {
      c.exchanges++;
    }
  }

  /**
   * Sets the account's current evidence (natural-log scale, {@code -ln p}), keeping its cluster's
   * sum of member evidence up to date.
   */
  public void evidence(int account, double lnEvidence) {
    double old = evidenceOf[account];
    evidenceOf[account] = lnEvidence;
    Cluster c = clusters[find(account)];
    if (c != null) {
      if (Double.isNaN(old)) {
        c.evaluatedMembers++;
        c.evidenceSum += lnEvidence;
      } else {
        c.evidenceSum += lnEvidence - old;
      }
    }
  }

  /** The account's current evidence, NaN if never evaluated. */
  public double evidence(int account) {
    return evidenceOf[account];
  }

  /**
   * Joins two registered accounts that share a rare joining key (the link stage decided it is
   * rare), recording the key as a shared indicator. Indices of one account (same non-zero account
   * hash) are never joined.
   *
   * @return true if the accounts were in different clusters and now are in one
   */
  public boolean join(int account, int other, LinkKey kind, String value) {
    if (account == other || (idOf[account] != 0 && idOf[account] == idOf[other])) {
      return false;
    }
    if (find(account) == find(other)) {
      return false;
    }
    union(account, other);
    clusters[find(account)].addIndicator(kind, value);
    return true;
  }

  /** Records a shared key as an indicator of the accounts' cluster, if they are in one. */
  public void indicate(int account, int other, LinkKey kind, String value) {
    int root = find(account);
    if (root == find(other) && clusters[root] != null) {
      clusters[root].addIndicator(kind, value);
    }
  }

  /** Sets the account's exchange count, keeping its cluster's total up to date. */
  public void exchanges(int account, long total) {
    long delta = total - exchangesOf[account];
    if (delta <= 0) {
      return;
    }
    exchangesOf[account] = total;
    Cluster c = clusters[find(account)];
    if (c != null) {
      c.exchanges += delta;
    }
  }

  /** The representative of the account's cluster (the account itself when alone). */
  public int find(int account) {
    int[] p = parent;
    int a = account;
    while (p[a] != a) {
      p[a] = p[p[a]];
      a = p[a];
    }
    return a;
  }

  /** The account's cluster, or null while it is linked to nobody. */
  public Cluster clusterOf(int account) {
    return clusters[find(account)];
  }

  /**
   * The share of components (clusters and lone accounts) at least as large as {@code size}: how
   * unusual a group this large is in this population. Counted over components rather than accounts
   * so that one huge campaign cannot make its own size look ordinary. Conservative: every cluster
   * in {@code size}'s power-of-two bucket counts as at least as large.
   */
  public double componentTail(int size) {
    if (size <= 1) {
      return 1.0;
    }
    // Every union merged two live components, and a released account was a lone one, so live
    // accounts minus unions is the exact component count.
    long components = Math.max(1, (long) accounts() - unions);
    long atLeast = 0;
    for (int b = 31 - Integer.numberOfLeadingZeros(size); b < clustersBySize.length; b++) {
      atLeast += clustersBySize[b];
    }
    return Math.min(1.0, Math.max(1, atLeast) / (double) components);
  }

  private void sizeBucket(int size, int delta) {
    if (size > 1) {
      clustersBySize[31 - Integer.numberOfLeadingZeros(size)] += delta;
    }
  }

  /** The account's exchange count as last set. */
  public long exchanges(int account) {
    return exchangesOf[account];
  }

  /** Clusters (components of two or more accounts). */
  public long clusterCount() {
    long n = 0;
    for (long c : clustersBySize) {
      n += c;
    }
    return n;
  }

  /** Accounts registered and not released: the indices in use. */
  public int accounts() {
    return indices - freeCount;
  }

  /** Indices handed out so far, in use or released: every index in use is below this. */
  public int indices() {
    return indices;
  }

  /** Accounts released so far ({@link #register}s minus {@link #accounts()}). */
  public long releasedAccounts() {
    return releasedAccounts;
  }

  /** Unions performed. */
  public long unions() {
    return unions;
  }

  private void union(int a, int b) {
    int ra = find(a);
    int rb = find(b);
    if (ra == rb) {
      return;
    }
    Cluster ca = clusterFor(ra);
    Cluster cb = clusterFor(rb);
    if (ca.size() < cb.size()) {
      int t = ra;
      ra = rb;
      rb = t;
      Cluster tc = ca;
      ca = cb;
      cb = tc;
    }
    parent[rb] = ra;
    sizeBucket(ca.size(), -1);
    sizeBucket(cb.size(), -1);
    ca.absorb(cb);
    sizeBucket(ca.size(), +1);
    clusters[rb] = null;
    unions++;
  }

  private Cluster clusterFor(int root) {
    Cluster c = clusters[root];
    if (c == null) {
      c = new Cluster(root, root, orgOf[root]);
      c.exchanges = exchangesOf[root];
      if (!Double.isNaN(evidenceOf[root])) {
        c.evaluatedMembers = 1;
        c.evidenceSum = evidenceOf[root];
      }
      clusters[root] = c;
    }
    return c;
  }

  // ---------------------------------------------------------------------------------------------
  // persistence

  /**
   * Writes the learned state. Form version 4, in order:
   *
   * <pre>
   * byte    version (4)
   * int     indices n (handed out so far, in use or released)
   * long    unions, long releasedAccounts
   * n x     int parent (-1: released), long orgOf, long accountHash, double evidence,
   *         long exchanges                                     (a released index: -1, 0, 0, NaN, 0)
   * int     released indices f, then f x int index, bottom of the stack first (the last is reused
   *         first)
   * 32 x    long clusters by size bucket
   * int     clusters, then per cluster in root order: int root, its {@link Cluster} form
   * </pre>
   *
   * The stack of released indices is kept as it is, so index reuse continues exactly as before.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(FORM_VERSION);
    out.writeInt(indices);
    out.writeLong(unions);
    out.writeLong(releasedAccounts);
    int clusterCount = 0;
    for (int a = 0; a < indices; a++) {
      out.writeInt(parent[a]);
      out.writeLong(orgOf[a]);
      out.writeLong(idOf[a]);
      out.writeDouble(evidenceOf[a]);
      out.writeLong(exchangesOf[a]);
      if (clusters[a] != null) {
        clusterCount++;
      }
    }
    out.writeInt(freeCount);
    for (int i = 0; i < freeCount; i++) {
      out.writeInt(free[i]);
    }
    for (long c : clustersBySize) {
      out.writeLong(c);
    }
    out.writeInt(clusterCount);
    for (int a = 0; a < indices; a++) {
      if (clusters[a] != null) {
        out.writeInt(a);
        clusters[a].writeTo(out);
      }
    }
  }

  /**
   * Reads the state written by {@link #writeTo} into a new linker, taking the form's version from
   * its first byte: 2, 3 or 4 ({@link #readFrom(DataInput, int)} says how they differ; form 1 has
   * no version byte, so its reader must name it). Throws an {@link IOException} naming the first
   * inconsistency found.
   */
  public static HydraLinker readFrom(DataInput in) throws IOException {
    int version = in.readUnsignedByte();
    if (version < 2 || version > FORM_VERSION) {
      throw new IOException(
          "linker form version " + version + " unknown; this build reads 2 to " + FORM_VERSION);
    }
    return readBody(in, version);
  }

  /**
   * Reads a linker form of the given version: 1 (before account hashes; they read as unknown), 2 (a
   * version byte, then as 1 with each account's hash after its organisation), 3 (as 2 with the
   * released-account count after the counters and the stack of released indices after the accounts)
   * or 4 (as 3 without the key table, its {@code liveAccounts} and {@code evictedKeys} counters).
   * Forms 1 to 3 end with the linker's own key table, kept from when the linker decided rarity
   * itself; it is checked and skipped: the {@link LinkStage} decides rarity now, and a linker fed
   * by {@link #join}, as the cluster stage's always was, wrote it empty.
   */
  public static HydraLinker readFrom(DataInput in, int version) throws IOException {
    if (version < 1 || version > FORM_VERSION) {
      throw new IOException(
          "linker form version " + version + " unknown; this build reads 1 to " + FORM_VERSION);
    }
    if (version >= 2) {
      int v = in.readUnsignedByte();
      if (v != version) {
        throw new IOException("linker form version " + v + ", expected " + version);
      }
    }
    return readBody(in, version);
  }

  /** Reads a form of {@code version} after its version byte. */
  private static HydraLinker readBody(DataInput in, int version) throws IOException {
    HydraLinker l = new HydraLinker();
    int n = in.readInt();
    if (n < 0 || n > Integer.MAX_VALUE - 16) {
      throw new IOException("linker accounts " + n + " out of range");
    }
    long liveAccounts = version <= 3 ? in.readLong() : 0;
    l.unions = in.readLong();
    if (version <= 3) {
      in.readLong(); // evictedKeys of the key table, which is skipped
    }
    l.releasedAccounts = version >= 3 ? in.readLong() : 0;
    if (liveAccounts < 0 || liveAccounts > n || l.unions < 0 || l.releasedAccounts < 0) {
      throw new IOException(
          "linker counters out of range: live "
              + liveAccounts
              + ", unions "
              + l.unions
              + ", released "
              + l.releasedAccounts);
    }
    // Arrays grow as records arrive, so a corrupt count fails on end of input, not out of memory.
    int releasedIndices = 0;
    for (int a = 0; a < n; a++) {
      if (a == l.parent.length) {
        l.growIndices();
      }
      int p = in.readInt();
      if ((p < 0 || p >= n) && !(p == RELEASED && version >= 3)) {
        throw new IOException("linker parent of " + a + " is " + p + ", out of [0, " + n + ")");
      }
      l.parent[a] = p;
      l.orgOf[a] = in.readLong();
      l.idOf[a] = version >= 2 ? in.readLong() : 0;
      l.evidenceOf[a] = in.readDouble();
      l.exchangesOf[a] = in.readLong();
      if (p == RELEASED) {
        releasedIndices++;
      }
    }
    l.indices = n;
    if (version >= 3) {
      int f = in.readInt();
      if (f != releasedIndices) {
        throw new IOException(
            "linker lists " + f + " released indices, but " + releasedIndices + " are released");
      }
      l.free = new int[Math.max(16, f)];
      boolean[] listed = new boolean[n];
      for (int i = 0; i < f; i++) {
        int a = in.readInt();
        if (a < 0 || a >= n || l.parent[a] != RELEASED || listed[a]) {
          throw new IOException("linker released index " + a + " is not a released index once");
        }
        listed[a] = true;
        l.free[i] = a;
      }
      l.freeCount = f;
    }
    if (l.unions >= Math.max(1, l.accounts())) {
      throw new IOException(
          "linker unions " + l.unions + " out of range for " + l.accounts() + " accounts");
    }
    for (int b = 0; b < l.clustersBySize.length; b++) {
      l.clustersBySize[b] = in.readLong();
    }
    int clusterCount = in.readInt();
    if (clusterCount < 0 || clusterCount > n / 2) {
      throw new IOException("linker cluster count " + clusterCount + " out of range");
    }
    int previous = -1;
    for (int i = 0; i < clusterCount; i++) {
      int root = in.readInt();
      if (root <= previous || root >= n || l.parent[root] != root) {
        throw new IOException("linker cluster root " + root + " is not a root in order");
      }
      l.clusters[root] = Cluster.readFrom(in, n);
      previous = root;
    }
    if (version <= 3) {
      l.skipKeyTable(in);
    }
    l.checkForest();
    return l;
  }

  /**
   * Reads past the key table of forms 1 to 3, checking its framing: int capacity (a power of two,
   * at least 1024), int keys, then per key in slot order int slot, long key, int anchor (an index
   * in use), long lastSeen, int length of the distinct-accounts HyperLogLog bytes (0 to 4096), the
   * bytes.
   */
  private void skipKeyTable(DataInput in) throws IOException {
    int capacity = in.readInt();
    int used = in.readInt();
    if (Integer.bitCount(capacity) != 1
        || capacity < 1024
        || used < 0
        || used > capacity * 0.6
        || capacity > 16L * Math.max(used, 1024)) {
      throw new IOException("linker key table capacity " + capacity + " with " + used + " keys");
    }
    byte[] skipped = new byte[4096];
    int previousSlot = -1;
    for (int k = 0; k < used; k++) {
      int slot = in.readInt();
      long key = in.readLong();
      int anchor = in.readInt();
      in.readLong(); // lastSeen
      int dfLength = in.readInt();
      if (slot <= previousSlot
          || slot >= capacity
          || key == 0
          || anchor < 0
          || anchor >= indices
          || parent[anchor] == RELEASED) {
        throw new IOException("linker key " + k + " (slot " + slot + ") out of range");
      }
      if (dfLength < 0 || dfLength > skipped.length) {
        throw new IOException("linker key " + k + " distinct sketch length " + dfLength);
      }
      in.readFully(skipped, 0, dfLength);
      previousSlot = slot;
    }
  }

  /**
   * Checks, without path compression (which would change the state just read), that every parent
   * chain of an index in use ends in a root within {@code 64} steps (union by size keeps them under
   * {@code log2 n}), so {@link #find} cannot loop or reach a released index, and that clusters sit
   * at roots and hold only accounts of that root.
   */
  private void checkForest() throws IOException {
    for (int a = 0; a < indices; a++) {
      if (clusters[a] != null) {
        if (parent[a] != a) {
          throw new IOException("linker cluster at " + a + ", which is not a root");
        }
        Cluster c = clusters[a];
        for (int i = 0; i < c.size(); i++) {
          if (rootWithoutCompression(c.member(i)) != a) {
            throw new IOException(
                "linker cluster " + a + " holds account " + c.member(i) + " of another root");
          }
        }
      } else if (parent[a] != RELEASED && rootWithoutCompression(a) == -1) {
        throw new IOException("linker parent chain of account " + a + " has no root");
      }
    }
  }

  /** The root of an index in use, or -1 if its chain is longer than 64 or meets a released one. */
  private int rootWithoutCompression(int account) {
    int a = account;
    for (int step = 0; step < 64; step++) {
      if (parent[a] == a) {
        return a;
      }
      a = parent[a];
      if (a == RELEASED) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * Builder of {@link HydraLinker} and of the {@link LinkStage} and {@link RarityTable} that decide
   * which keys are rare enough to link: the caps and {@code maxKeys} configure those two; the
   * linker itself has no settings.
   */
  public static final class Builder {
    private int maxKeys = 1 << 22;
    private long idleKeyMillis = Long.MAX_VALUE;
    private final int[] minAccounts = new int[LinkKey.values().length];
    private final double[] fraction = new double[LinkKey.values().length];

    private Builder() {
      // Defaults: a payment instrument may fund up to 1,000 accounts, or 2% of the live
      // population, before it is too common to mean anything; a template-set band up to 20
      // accounts or 0.5%. Non-joining kinds use the same rule only to decide what is "common".
      //
      // Why the card's floor is high: one instrument behind hundreds of accounts is one payer,
      // an operator or an organisation (whose single declared organisation then counts for no
      // coordination), and a cluster needs its members' own evidence too, so a payer of many
      // ordinary accounts is linked but not alerted. The cap guards only against instruments
      // shared by the unrelated, such as a reseller's or a gift-card processor's, which reach
      // thousands. With a floor of 100, a hydra that is a fifth of a small population (750 of
      // 3,750 accounts, cards behind 20 to 200 of them, at --scale 0.03) saturated its cards:
      // 69.6% recall on seed 99 and 82.4% on seed 42. The fraction decides in any population over
      // 50,000 accounts, as before.
      Arrays.fill(minAccounts, 20);
      Arrays.fill(fraction, 0.005);
      minAccounts[LinkKey.PAYMENT.ordinal()] = 1000;
      fraction[LinkKey.PAYMENT.ordinal()] = 0.02;
    }

    /**
     * Most keys the link stage's in-process map and the rarity table hold at once (default
     * 4,194,304).
     */
    public Builder maxKeys(int maxKeys) {
      if (maxKeys < 1024) {
        throw new IllegalArgumentException("maxKeys must be >= 1024, was " + maxKeys);
      }
      this.maxKeys = maxKeys;
      return this;
    }

    /**
     * A link key unused for longer than this, in the event time of the messages that use it, starts
     * afresh in the link stage: its first user and distinct count are forgotten (default: never).
     * The detector sets its idle eviction time here, so a key is forgotten when every account that
     * used it could have been.
     */
    public Builder idleKeys(Duration idle) {
      if (idle == null || idle.isNegative() || idle.isZero()) {
        throw new IllegalArgumentException("idleKeys must be positive, was " + idle);
      }
      this.idleKeyMillis = idle.toMillis();
      return this;
    }

    /** The rarity cap of a kind: {@code max(minAccounts, fraction * liveAccounts)}. */
    public Builder cap(LinkKey kind, int minAccounts, double fraction) {
      if (minAccounts < 2 || !(fraction >= 0 && fraction <= 1)) {
        throw new IllegalArgumentException(
            "cap needs minAccounts >= 2 and fraction in [0, 1], was "
                + minAccounts
                + ", "
                + fraction);
      }
      this.minAccounts[kind.ordinal()] = minAccounts;
      this.fraction[kind.ordinal()] = fraction;
      return this;
    }

    public HydraLinker build() {
      return new HydraLinker();
    }

    /**
     * The link stage with these caps, {@code idleKeys} and {@code maxKeys} (for its in-process key
     * map).
     */
    public LinkStage buildLinkStage() {
      return new LinkStage(minAccounts, fraction, maxKeys, idleKeyMillis);
    }

    /** A table of key rarity with these caps and {@code maxKeys}. */
    public RarityTable buildRarityTable() {
      return new RarityTable(minAccounts, fraction, maxKeys);
    }
  }
}
