package io.distillwatch.core.detect;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.sketch.Hash64;

/**
 * The 64-bit hashes of one exchange's keys, computed once per exchange into a reused instance so
 * the hot path allocates nothing. A hash of 0 means the field is absent.
 *
 * <p>{@link #compute} computes every hash. The account stage splits it, as hashing is a good share
 * of an exchange's cost: {@link #computeEveryExchange} for the keys every exchange uses, {@link
 * #computeOrg} on an account's first exchange, and {@link #computeLinkKeys} only where keys are
 * sent to the link stage; a field of a part not computed for the current exchange holds a stale
 * value.
 */
final class KeyHashes {
  /** The account id's hash; only {@link #computeAccount} sets it. */
  long account;

  /**
   * The account id's check ({@code AccountProfile.check}); only {@link #computeAccount} sets it.
   */
  long accountCheck;

  long org;
  long payment;
  long template;
  long prompt;
  long ip;
  long subnet;
  long asn;
  long networkAgent;
  long model;

  /** Every hash of {@code e}. */
  void compute(Exchange e) {
    computeEveryExchange(e);
    computeOrg(e);
    computeLinkKeys(e);
  }

  /** The hashes every exchange needs: payment, template, prompt, ip, asn and model. */
  void computeEveryExchange(Exchange e) {
    payment = AccountProfile.hash(e.paymentFingerprint());
    template = AccountProfile.hash(e.templateHash());
    prompt = AccountProfile.hash(e.promptHash());
    ip = AccountProfile.hash(e.ip());
    asn = AccountProfile.hash(e.asn());
    model = AccountProfile.hash(e.model());
  }

  /**
   * The account id's hash and check ({@code AccountProfile.hash} and {@code check}, equal to the
   * profile's {@code accountHash} and {@code accountCheck}), for a caller that looks the profile up
   * by it: the detector hashes every key of an exchange in one place, once.
   */
  void computeAccount(Exchange e) {
    account = AccountProfile.hash(e.accountId());
    accountCheck = AccountProfile.check(e.accountId());
  }

  /** Sum of the key lengths {@link #computeAccountAndEveryExchange} read; see there. */
  int keyChars;

  /**
   * {@link #computeAccount} and {@link #computeEveryExchange}, reading every key's length before
   * hashing any. Each key is a String and its byte array, two dependent reads that are likely cache
   * misses when the exchange was not parsed just now (a queued record, or the benchmark's trace of
   * millions); read one key at a time, each hash waited for its own misses. Reading the lengths
   * first issues all of them together, so they overlap. The sum is kept in a field so the reads are
   * not dead code.
   */
  void computeAccountAndEveryExchange(Exchange e) {
    keyChars =
        e.accountId().length()
            + length(e.paymentFingerprint())
            + length(e.templateHash())
            + length(e.promptHash())
            + length(e.ip())
            + length(e.asn())
            + length(e.model());
    computeAccount(e);
    computeEveryExchange(e);
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }

  /** The organisation's hash. */
  void computeOrg(Exchange e) {
    org = AccountProfile.hash(e.orgId());
  }

  /** The subnet and network-agent keys; needs {@link #asn} of the same exchange. */
  void computeLinkKeys(Exchange e) {
    subnet = subnetHash(e.ip());
    long ua = AccountProfile.hash(e.userAgent());
    networkAgent = asn == 0 && ua == 0 ? 0 : AccountProfile.nonZero(Hash64.mix(asn * 31 + ua));
  }

  /**
   * Hash of the IPv4 /24 or IPv6 /48 prefix, parsed in place with no allocation. The address must
   * parse completely (four octets of at most 255; IPv6 groups of 1-4 hex digits with at most one
   * {@code ::}); anything else gives 0: no subnet link rather than a wrong one. An IPv4-mapped IPv6
   * address ({@code ::ffff:a.b.c.d}) is its IPv4 /24.
   */
  static long subnetHash(String ip) {
    if (ip == null || ip.isEmpty()) {
      return 0;
    }
    if (ip.indexOf(':') < 0) {
      long v4 = parseIpv4(ip, 0);
      return v4 < 0 ? 0 : ipv4Prefix(v4);
    }
    long prefix = ipv6Prefix48(ip);
    return prefix == -1 ? 0 : prefix;
  }

  private static long ipv4Prefix(long address) {
    return AccountProfile.nonZero(Hash64.hash(0x1_0000_0000L | (address >>> 8)));
  }

  /** The 32-bit address of a dotted quad starting at {@code from}, or -1. */
  static long parseIpv4(CharSequence s, int from) {
    long address = 0;
    int octets = 0;
    int value = 0;
    int digits = 0;
    for (int i = from; i <= s.length(); i++) {
      char c = i == s.length() ? '.' : s.charAt(i);
      if (c == '.') {
        if (digits == 0 || value > 255) {
          return -1;
        }
        address = (address << 8) | value;
        octets++;
        value = 0;
        digits = 0;
        if (octets > 4) {
          return -1;
        }
      } else if (c >= '0' && c <= '9' && digits < 3) {
        value = value * 10 + (c - '0');
        digits++;
      } else {
        return -1;
      }
    }
    return octets == 4 ? address : -1;
  }

  /**
   * Hash of the first 48 bits of an IPv6 address, or -1 if it does not parse. Groups before and
   * after {@code ::} are counted so that every textual form of one /48 gives the same hash.
   */
  private static long ipv6Prefix48(String ip) {
    int n = ip.length();
    int gap = ip.indexOf("::");
    if (gap >= 0 && ip.indexOf("::", gap + 1) >= 0) {
      return -1;
    }
    int lastColon = ip.lastIndexOf(':');
    boolean embeddedV4 = ip.indexOf('.', lastColon) >= 0;
    if (embeddedV4) {
      // Only the IPv4-mapped form is given a meaning: ::ffff:a.b.c.d.
      if (!ip.regionMatches(true, 0, "::ffff:", 0, 7) || lastColon != 6) {
        return -1;
      }
      long v4 = parseIpv4(ip, 7);
      return v4 < 0 ? -1 : ipv4Prefix(v4);
    }
    int[] groups = {0, 0, 0};
    int before = 0;
    int after = 0;
    int total = 0;
    int end = gap >= 0 ? gap : n;
    // Groups before the gap (or all of them).
    int i = 0;
    while (i < end) {
      int value = 0;
      int digits = 0;
      while (i < end && ip.charAt(i) != ':') {
        int d = Character.digit(ip.charAt(i), 16);
        if (d < 0 || ++digits > 4) {
          return -1;
        }
        value = (value << 4) | d;
        i++;
      }
      if (digits == 0) {
        return -1;
      }
      if (before < 3) {
        groups[before] = value;
      }
      before++;
      if (i < end) {
        i++; // the ':'
        if (i == end) {
          return -1; // trailing single colon
        }
      }
    }
    if (gap >= 0) {
      // Count (and validate) the groups after the gap; their values matter only when fewer than
      // three groups stand before it.
      int j = gap + 2;
      int afterStart = j;
      while (j < n) {
        int digits = 0;
        while (j < n && ip.charAt(j) != ':') {
          if (Character.digit(ip.charAt(j), 16) < 0 || ++digits > 4) {
            return -1;
          }
          j++;
        }
        if (digits == 0) {
          return -1;
        }
        after++;
        if (j < n) {
          j++;
          if (j == n) {
            return -1;
          }
        }
      }
      total = before + after;
      if (total > 7) {
        return -1;
      }
      int fill = 8 - total;
      for (int g = before; g < 3; g++) {
        if (g >= before + fill) {
          groups[g] = nthGroup(ip, afterStart, g - before - fill);
        }
      }
    } else if (before != 8) {
      return -1;
    }
    long prefix = ((long) groups[0] << 32) | ((long) groups[1] << 16) | groups[2];
    return AccountProfile.nonZero(Hash64.hash(0x2_0000_0000_0000L ^ Hash64.mix(prefix)));
  }

  /** The value of the {@code index}-th colon-separated hex group starting at {@code from}. */
  private static int nthGroup(String ip, int from, int index) {
    int i = from;
    for (int g = 0; g < index; g++) {
      i = ip.indexOf(':', i) + 1;
    }
    int value = 0;
    while (i < ip.length() && ip.charAt(i) != ':') {
      value = (value << 4) | Character.digit(ip.charAt(i), 16);
      i++;
    }
    return value;
  }
}
