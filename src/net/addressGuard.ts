import { cidrContains, formatIpv4, parseCidr, parseIp, type Cidr, type IpValue } from './ip.js';
import { embeddedIpv4, specialCategory } from './specialRanges.js';

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

/** Builds a guard; throws on a malformed CIDR so a bad config fails at start-up. */
export function createAddressGuard(options: AddressGuardOptions = {}): AddressGuard {
  const allow: Cidr[] = (options.allowCidrs ?? []).map((c) => parseCidr(c));
  const isAllowed = (ip: IpValue): boolean => allow.some((range) => cidrContains(range, ip));

  return {
    check(text: string): AddressVerdict {
      const ip = parseIp(text);
      const shown = text.trim().replace(/^\[(.*)\]$/, '$1');
      if (!ip) return { allowed: false, reason: `not an IP address: ${JSON.stringify(text)}` };
      const embedded = embeddedIpv4(ip);
      if (isAllowed(ip) || (embedded !== null && isAllowed(embedded.ipv4))) return ALLOWED;
      if (embedded) {
        const v4 = formatIpv4(embedded.ipv4.value);
        const category = specialCategory(embedded.ipv4);
        if (category) return { allowed: false, reason: `${category} address ${shown} (embeds ${v4})` };
        // IPv4-compatible addresses are deprecated (RFC 4291) and nothing routes them.
        if (embedded.form === 'compatible') return { allowed: false, reason: `reserved address ${shown} (IPv4-compatible)` };
        return ALLOWED;
      }
      const category = specialCategory(ip);
      return category ? { allowed: false, reason: `${category} address ${shown}` } : ALLOWED;
    },
  };
}
