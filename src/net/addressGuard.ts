import { cidrContains, formatIpv4, parseCidr, parseIp, parseIpv4Number, type Cidr, type IpValue } from './ip.js';
import { embeddedIpv4, ipv4Category, specialCategory } from './specialRanges.js';

export { createGuardedConnector, AddressBlockedError, type GuardedConnectorOptions } from './guardedConnector.js';

/**
 * Decides whether the gateway may connect to an address. Axon addresses come from the chain,
 * where anyone can register any address, so by default only public unicast addresses pass:
 * loopback, private, link-local (cloud metadata included), CGNAT, multicast, reserved,
 * documentation and benchmarking ranges are refused, and so are IPv6 forms that embed such an
 * IPv4 address (::ffff:127.0.0.1, 64:ff9b::a00:5, 2002:0a00:0005::). An explicit CIDR
 * allow-list opens ranges for local subnets and tests.
 */

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

export interface AddressGuard {
  /** Whether `ip` (an IPv4/IPv6 literal) may be connected to, and why not. */
  check(ip: string): AddressVerdict;
}

export interface AddressGuardOptions {
  /** CIDRs (IPv4 or IPv6, e.g. "127.0.0.0/8", "fd00::/8") that are allowed even though special. */
  allowCidrs?: readonly string[];
}

const ALLOWED: AddressVerdict = { allowed: true };

/** Verdicts remembered per address text; axons rarely move, and connections repeat addresses. */
const CACHE_LIMIT = 10_000;

/** Builds a guard; throws on a malformed CIDR so a bad config fails at start-up. */
export function createAddressGuard(options: AddressGuardOptions = {}): AddressGuard {
  const allow: Cidr[] = (options.allowCidrs ?? []).map((c) => parseCidr(c));
  const allow4 = allow.filter((r) => r.family === 4).map((r) => ({
    base: Number(r.base),
    mask: r.prefix === 0 ? 0 : (0xffffffff << (32 - r.prefix)) >>> 0,
  }));
  const isAllowed = (ip: IpValue): boolean => allow.some((range) => cidrContains(range, ip));
  const isAllowed4 = (v: number): boolean => allow4.some((r) => ((v & r.mask) >>> 0) === r.base);
  const cache = new Map<string, AddressVerdict>();

  const decide = (text: string): AddressVerdict => {
    const shown = text.trim().replace(/^\[(.*)\]$/, '$1');
    // Plain IPv4, the common case, on 32-bit numbers.
    const v4 = parseIpv4Number(shown);
    if (v4 !== null) {
      if (isAllowed4(v4)) return ALLOWED;
      const category = ipv4Category(v4);
      return category ? { allowed: false, reason: `${category} address ${shown}` } : ALLOWED;
    }
    const ip = parseIp(text);
    if (!ip) return { allowed: false, reason: `not an IP address: ${JSON.stringify(text)}` };
    const embedded = embeddedIpv4(ip);
    if (isAllowed(ip) || (embedded !== null && isAllowed(embedded.ipv4))) return ALLOWED;
    if (embedded) {
      const inner = formatIpv4(embedded.ipv4.value);
      const category = specialCategory(embedded.ipv4);
      if (category) return { allowed: false, reason: `${category} address ${shown} (embeds ${inner})` };
      // IPv4-compatible addresses are deprecated (RFC 4291) and nothing routes them.
      if (embedded.form === 'compatible') return { allowed: false, reason: `reserved address ${shown} (IPv4-compatible)` };
      return ALLOWED;
    }
    const category = specialCategory(ip);
    return category ? { allowed: false, reason: `${category} address ${shown}` } : ALLOWED;
  };

  return {
    check(text: string): AddressVerdict {
      let verdict = cache.get(text);
      if (verdict === undefined) {
        verdict = decide(text);
        if (cache.size >= CACHE_LIMIT) cache.clear();
        cache.set(text, verdict);
      }
      return verdict;
    },
  };
}
