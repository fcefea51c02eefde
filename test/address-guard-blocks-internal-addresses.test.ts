import { describe, expect, it } from 'vitest';
import { createAddressGuard } from '../src/net/addressGuard.js';
import { formatIpv6, parseCidr, parseIp } from '../src/net/ip.js';

const guard = createAddressGuard();

// [address, expected reason category or null when allowed]
const TABLE: ReadonlyArray<readonly [string, string | null]> = [
  // public
  ['8.8.8.8', null],
  ['1.1.1.1', null],
  ['85.10.196.77', null],
  ['100.63.255.255', null],
  ['100.128.0.0', null],
  ['172.15.255.255', null],
  ['172.32.0.0', null],
  ['192.0.1.1', null],
  ['198.17.255.255', null],
  ['198.20.0.0', null],
  ['223.255.255.255', null],
  ['2606:4700:4700::1111', null],
  ['2a01:4f8:c17:b8f::2', null],
  ['[2001:4860:4860::8888]', null],
  // IPv4 special
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'reserved'],
  ['10.0.0.5', 'private'],
  ['10.255.255.255', 'private'],
  ['100.64.0.1', 'carrier-grade NAT'],
  ['100.127.255.254', 'carrier-grade NAT'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.169.254', 'link-local'],
  ['169.254.0.1', 'link-local'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.10', 'documentation'],
  ['192.88.99.1', 'reserved'],
  ['192.168.1.1', 'private'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  // IPv6 special
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],
  ['fec0::1', 'private'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['2001:2::1', 'benchmarking'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // Teredo
  ['100::1', 'reserved'],
  ['64:ff9b:1::a00:1', 'reserved'],
  ['4000::1', 'reserved'], // outside 2000::/3, unallocated
  // IPv4 embedded in IPv6
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::FFFF:7F00:0001', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.5', 'private'],
  ['::ffff:a9fe:a9fe', 'link-local'], // 169.254.169.254
  ['::ffff:0:a00:5', 'private'], // SIIT-translated 10.0.0.5
  ['::127.0.0.1', 'loopback'], // IPv4-compatible
  ['::7f00:1', 'loopback'],
  ['::8.8.8.8', 'reserved'], // IPv4-compatible is deprecated even for a public address
  ['64:ff9b::10.0.0.5', 'private'], // NAT64
  ['64:ff9b::7f00:1', 'loopback'],
  ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
  ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  ['::ffff:8.8.8.8', null],
  ['64:ff9b::808:808', null],
  ['2002:808:808::1', null],
  // not addresses
  ['localhost', 'not an IP address'],
  ['127.1', 'not an IP address'],
  ['010.0.0.1', 'not an IP address'],
  ['1.2.3.256', 'not an IP address'],
  ['1::2::3', 'not an IP address'],
  ['', 'not an IP address'],
];

describe('address guard', () => {
  it.each(TABLE)('%s → %s', (address, category) => {
    const verdict = guard.check(address);
    if (category === null) {
      expect(verdict).toEqual({ allowed: true });
    } else {
      expect(verdict.allowed).toBe(false);
      if (!verdict.allowed) expect(verdict.reason.startsWith(`${category} address`) || verdict.reason.startsWith(category)).toBe(true);
    }
  });

  it('names the address and the embedded IPv4 in its reason', () => {
    expect(guard.check('10.0.0.5')).toEqual({ allowed: false, reason: 'private address 10.0.0.5' });
    expect(guard.check('::ffff:7f00:1')).toEqual({ allowed: false, reason: 'loopback address ::ffff:7f00:1 (embeds 127.0.0.1)' });
  });

  it('opens explicitly allowed ranges, including their IPv6-embedded forms', () => {
    const open = createAddressGuard({ allowCidrs: ['127.0.0.0/8', '10.1.0.0/16', 'fd00::/8', '::1/128'] });
    expect(open.check('127.0.0.1')).toEqual({ allowed: true });
    expect(open.check('::ffff:127.0.0.1')).toEqual({ allowed: true });
    expect(open.check('10.1.200.3')).toEqual({ allowed: true });
    expect(open.check('10.2.0.1').allowed).toBe(false);
    expect(open.check('fd12::1')).toEqual({ allowed: true });
    expect(open.check('fc00::1').allowed).toBe(false);
    expect(open.check('::1')).toEqual({ allowed: true });
    expect(open.check('169.254.169.254').allowed).toBe(false);
  });

  it('refuses malformed allow-lists at construction', () => {
    expect(() => createAddressGuard({ allowCidrs: ['10.0.0.0/33'] })).toThrow(/invalid CIDR/);
    expect(() => createAddressGuard({ allowCidrs: ['not-a-cidr'] })).toThrow(/invalid CIDR/);
    expect(() => createAddressGuard({ allowCidrs: ['::/129'] })).toThrow(/invalid CIDR/);
  });

  it('parses and formats addresses canonically (RFC 5952)', () => {
    const text = (s: string): string => {
      const ip = parseIp(s);
      if (!ip || ip.family !== 6) throw new Error(s);
      return formatIpv6(ip.value);
    };
    expect(text('2001:0db8:0000:0000:0000:ff00:0042:8329')).toBe('2001:db8::ff00:42:8329');
    expect(text('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(text('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(text('::ffff:1.2.3.4')).toBe('::ffff:102:304');
    expect(text('0::0')).toBe('::');
    expect(text('1::')).toBe('1::');
    expect(parseCidr('10.1.2.3/8')).toEqual({ family: 4, base: 10n << 24n, prefix: 8 });
  });
});
