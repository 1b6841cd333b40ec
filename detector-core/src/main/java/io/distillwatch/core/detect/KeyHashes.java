package io.distillwatch.core.detect;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.sketch.Hash64;

/**
 * The 64-bit hashes of one exchange's keys, computed once per exchange into a reused instance so
 * the hot path allocates nothing. A hash of 0 means the field is absent.
 */
final class KeyHashes {
  long org;
  long payment;
  long template;
  long prompt;
  long ip;
  long subnet;
  long asn;
  long networkAgent;
  long model;

  void compute(Exchange e) {
    org = AccountProfile.hash(e.orgId());
    payment = AccountProfile.hash(e.paymentFingerprint());
    template = AccountProfile.hash(e.templateHash());
    prompt = AccountProfile.hash(e.promptHash());
    ip = AccountProfile.hash(e.ip());
    subnet = subnetHash(e.ip());
    asn = AccountProfile.hash(e.asn());
    long ua = AccountProfile.hash(e.userAgent());
    networkAgent = asn == 0 && ua == 0 ? 0 : AccountProfile.nonZero(Hash64.mix(asn * 31 + ua));
    model = AccountProfile.hash(e.model());
  }

  /**
   * Hash of the IPv4 /24 or IPv6 /48 prefix, parsed in place (no substring). Unparsable addresses
   * give 0: no subnet link rather than a wrong one.
   */
  static long subnetHash(String ip) {
    if (ip == null || ip.isEmpty()) {
      return 0;
    }
    if (ip.indexOf(':') >= 0) {
      long h = 0x6A09E667F3BCC908L;
      int groups = 0;
      for (int i = 0; i < ip.length() && groups < 3; i++) {
        char c = ip.charAt(i);
        if (c == ':') {
          groups++;
        }
        h = (h ^ c) * 0x100000001B3L;
      }
      return AccountProfile.nonZero(Hash64.mix(h));
    }
    int octets = 0;
    int value = 0;
    int prefix = 0;
    for (int i = 0; i < ip.length(); i++) {
      char c = ip.charAt(i);
      if (c == '.') {
        if (value > 255) {
          return 0;
        }
        prefix = (prefix << 8) | value;
        value = 0;
        if (++octets == 3) {
          return AccountProfile.nonZero(Hash64.hash(0x1_0000_0000L | prefix));
        }
      } else if (c >= '0' && c <= '9') {
        value = value * 10 + (c - '0');
        if (value > 255) {
          return 0;
        }
      } else {
        return 0;
      }
    }
    return 0;
  }
}
