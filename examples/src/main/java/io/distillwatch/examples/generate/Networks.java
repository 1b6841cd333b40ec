package io.distillwatch.examples.generate;

import java.util.SplittableRandom;

/**
 * Autonomous systems and address blocks the generator draws client IPs from, grouped by kind.
 *
 * <p>ASN numbers are those of real networks of each kind (so an ASN reputation feed would classify
 * them plausibly); the /16 blocks inside each ASN are synthetic, derived from the ASN number, and
 * avoid private, loopback, link-local and multicast space. Every kind is shared by benign and
 * attack traffic: residential proxies exit from the same ISPs casual users sit behind, and CI
 * runners live in the same clouds as datacenter-hosted scrapers.
 */
final class Networks {
  private Networks() {}

  /** One autonomous system and the /16 blocks its addresses are drawn from. */
  record Net(String asn, int[] blocks) {
    /** A deterministic address in this network for the given 64-bit key. */
    int address(long key) {
      int block = blocks[(int) Long.remainderUnsigned(key, blocks.length)];
      int host = (int) ((key >>> 20) & 0xFFFF);
      if ((host & 0xFF) == 0 || (host & 0xFF) == 255) {
        host ^= 0x01;
      }
      return (block << 16) | host;
    }

    Endpoint endpoint(long key) {
      return new Endpoint(Ids.ipv4(address(key)), asn);
    }
  }

  /** A client address as written on an exchange. */
  record Endpoint(String ip, String asn) {}

  /** Home broadband ISPs across regions. */
  static final Net[] RESIDENTIAL =
      nets(
          7922, 701, 20115, 22773, 7018, 5650, 3320, 3215, 2856, 5089, 12322, 3352, 1136, 6830,
          3269, 4134, 4837, 9808, 4766, 2516, 4713, 17676, 9498, 55836, 28573, 8151, 7545, 1221,
          812, 577, 12389, 9121, 45899, 7552, 4788, 9299, 7713, 8452, 5384, 6799);

  /** Mobile carriers. */
  static final Net[] MOBILE = nets(21928, 6167, 20057, 3209, 12430, 45609, 24560, 26599);

  /** Public clouds and hosting providers. */
  static final Net[] DATACENTER =
      nets(16509, 14618, 15169, 396982, 8075, 16276, 24940, 14061, 63949, 20473, 45102, 132203);

  /** Clouds hosting CI runners (a subset of {@link #DATACENTER}: the overlap is deliberate). */
  static final Net[] CI = nets(8075, 16509, 15169, 396982);

  /** University and research networks. */
  static final Net[] UNIVERSITY = nets(3, 32, 25, 88, 2637, 786, 680, 1103, 2200, 559);

  /** A random network of the kind, uniformly. */
  static Net any(Net[] kind, SplittableRandom r) {
    return kind[r.nextInt(kind.length)];
  }

  /** A random endpoint in a random network of the kind. */
  static Endpoint endpoint(Net[] kind, SplittableRandom r) {
    return any(kind, r).endpoint(r.nextLong());
  }

  private static Net[] nets(int... asns) {
    Net[] out = new Net[asns.length];
    for (int i = 0; i < asns.length; i++) {
      long h = Ids.hash(0x4E455453L, asns[i]);
      int[] blocks = new int[4 + (int) Long.remainderUnsigned(h, 5)];
      for (int b = 0; b < blocks.length; b++) {
        long k = Ids.hash(h, b);
        blocks[b] = (publicFirstOctet(k) << 8) | (int) ((k >>> 32) & 0xFF);
      }
      out[i] = new Net("AS" + asns[i], blocks);
    }
    return out;
  }

  /** A first octet in routable unicast space (skips 0, 10, 100, 127, 169, 172, 192, 198, 224+). */
  private static int publicFirstOctet(long k) {
    int o = 1 + (int) Long.remainderUnsigned(k, 222);
    return switch (o) {
      case 10, 100, 127, 169, 172, 192, 198 -> o + 1;
      default -> o;
    };
  }
}
