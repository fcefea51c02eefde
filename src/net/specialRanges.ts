import { cidrContains, parseCidr, type Cidr, type IpValue } from './ip.js';

/**
 * Address ranges a gateway must not connect to on a stranger's say-so (IANA special-purpose
 * registries, RFC 6890 and successors). Anyone can register an axon at any address, so an axon
 * at 169.254.169.254 or 10.0.0.5 is an attempt to make the gateway reach into its own network.
 */

interface SpecialRange { cidr: Cidr; category: string }
/** IPv4 ranges as 32-bit numbers: the guard runs on every axon of every refresh and every connection. */
interface Ipv4Range { base: number; mask: number; category: string }

function table(rows: ReadonlyArray<readonly [string, string]>): SpecialRange[] {
  return rows.map(([cidr, category]) => ({ cidr: parseCidr(cidr), category }));
}

// Most specific first: the first match names the reason.
const IPV4 = table([
  ['0.0.0.0/32', 'unspecified'],
  ['0.0.0.0/8', 'reserved'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

const IPV4_NUMERIC: Ipv4Range[] = IPV4.map((r) => ({
  base: Number(r.cidr.base),
  mask: r.cidr.prefix === 0 ? 0 : (0xffffffff << (32 - r.cidr.prefix)) >>> 0,
  category: r.category,
}));

/** `specialCategory` for an IPv4 address given as an unsigned 32-bit number. */
export function ipv4Category(value: number): string | null {
  for (const r of IPV4_NUMERIC) if (((value & r.mask) >>> 0) === r.base) return r.category;
  return null;
}

const IPV6 = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  // Local-use NAT64 (RFC 8215) embeds IPv4 at several prefix lengths: refuse it whole.
  ['64:ff9b:1::/48', 'reserved'],
  ['100::/64', 'reserved'],
  ['2001:db8::/32', 'documentation'],
  ['2001:2::/48', 'benchmarking'],
  // IETF protocol assignments, Teredo (2001::/32, whose client address is obfuscated) among them.
  ['2001::/23', 'reserved'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'reserved'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
]);

const GLOBAL_UNICAST = parseCidr('2000::/3');

/** Ways an IPv6 address can carry an IPv4 one that the kernel or a translator may end up reaching. */
export type EmbeddingForm = 'mapped' | 'translated' | 'compatible' | 'nat64' | '6to4';

const EMBEDDINGS: ReadonlyArray<{ cidr: Cidr; form: EmbeddingForm; shift: bigint }> = [
  { cidr: parseCidr('::ffff:0:0/96'), form: 'mapped', shift: 0n },
  { cidr: parseCidr('::ffff:0:0:0/96'), form: 'translated', shift: 0n },
  { cidr: parseCidr('64:ff9b::/96'), form: 'nat64', shift: 0n },
  { cidr: parseCidr('2002::/16'), form: '6to4', shift: 80n },
  // Checked last: ::/96 also holds :: and ::1, which are matched as themselves before this.
  { cidr: parseCidr('::/96'), form: 'compatible', shift: 0n },
];

/** The IPv4 address an IPv6 address embeds (mapped, SIIT, NAT64, 6to4, compatible), if any. */
export function embeddedIpv4(ip: IpValue): { form: EmbeddingForm; ipv4: IpValue } | null {
  if (ip.family !== 6 || ip.value <= 1n) return null;
  for (const e of EMBEDDINGS) {
    if (cidrContains(e.cidr, ip)) return { form: e.form, ipv4: { family: 4, value: (ip.value >> e.shift) & 0xffffffffn } };
  }
  return null;
}

/** The special-purpose category of an address ("private", "loopback", ...), or null for a public one. */
export function specialCategory(ip: IpValue): string | null {
  if (ip.family === 4) return ipv4Category(Number(ip.value));
  for (const r of IPV6) if (cidrContains(r.cidr, ip)) return r.category;
  if (ip.family === 6 && !cidrContains(GLOBAL_UNICAST, ip)) return 'reserved';
  return null;
}
