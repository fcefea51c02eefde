/**
 * IP addresses as integers: parsing textual IPv4/IPv6 into bigint and back, and CIDR ranges.
 * The chain stores axon addresses as u128 integers, and range checks are simplest on integers,
 * so both the metagraph decoder and the address guard share this one representation.
 */

/** An address as an integer of its family's width (32 or 128 bits). */
export interface IpValue {
  family: 4 | 6;
  value: bigint;
}

/** A CIDR range: every address whose top `prefix` bits equal those of `base`. */
export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

const MASK_32 = (1n << 32n) - 1n;
const MASK_128 = (1n << 128n) - 1n;

/** Dotted-quad text of a 32-bit integer (only the low 32 bits are used). */
export function formatIpv4(value: bigint): string {
  const v = value & MASK_32;
  return [24n, 16n, 8n, 0n].map((shift) => String((v >> shift) & 0xffn)).join('.');
}

/** RFC 5952 canonical text of a 128-bit integer: lowercase, no leading zeros, longest zero run as `::`. */
export function formatIpv6(value: bigint): string {
  const v = value & MASK_128;
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((v >> shift) & 0xffffn));
  // Longest run of two or more zero groups; the first one wins a tie (RFC 5952 §4.2.3).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i += 1; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A dotted-quad IPv4 literal as an unsigned 32-bit number; null when `text` is not one. */
export function parseIpv4Number(text: string): number | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  let value = 0;
  for (let i = 1; i <= 4; i += 1) {
    const part = m[i] as string;
    // Leading zeros are refused: some parsers read them as octal, so they are ambiguous.
    if (part.length > 1 && part.startsWith('0')) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

function parseIpv4(text: string): bigint | null {
  const n = parseIpv4Number(text);
  return n === null ? null : BigInt(n);
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const groups: number[] = [];
  for (const part of text.split(':')) {
    if (!/^[0-9a-f]{1,4}$/i.test(part)) return null;
    groups.push(Number.parseInt(part, 16));
  }
  return groups;
}

function parseIpv6(input: string): bigint | null {
  // A zone (fe80::1%eth0) names an interface, not part of the address.
  let text = input.split('%', 1)[0] as string;
  const embedded: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // Mixed notation (::ffff:1.2.3.4): the dotted quad is the last two groups.
    const v4 = parseIpv4(last);
    if (v4 === null) return null;
    embedded.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] as string);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  (halves.length === 2 ? tail : head).push(...embedded);
  const count = head.length + tail.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return null;
  const groups = [...head, ...new Array<number>(8 - count).fill(0), ...tail];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/** Parses an IPv4 or IPv6 literal (brackets and zone ids allowed); null when `text` is not one. */
export function parseIp(text: string): IpValue | null {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (t.includes(':')) {
    const value = parseIpv6(t);
    return value === null ? null : { family: 6, value };
  }
  const value = parseIpv4(t);
  return value === null ? null : { family: 4, value };
}

/** Parses `a.b.c.d/n` or `x::/n` (a bare address is a single-address range); throws on malformed input. */
export function parseCidr(text: string): Cidr {
  const [address, prefixText, extra] = text.trim().split('/');
  const ip = parseIp(address ?? '');
  if (!ip || extra !== undefined) throw new Error(`invalid CIDR ${JSON.stringify(text)}`);
  const width = ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new Error(`invalid CIDR prefix in ${JSON.stringify(text)}`);
  }
  return { family: ip.family, base: maskTo(ip.value, prefix, width), prefix };
}

function maskTo(value: bigint, prefix: number, width: number): bigint {
  const hostBits = BigInt(width - prefix);
  return (value >> hostBits) << hostBits;
}

/** Whether `ip` lies in `range` (families must match). */
export function cidrContains(range: Cidr, ip: IpValue): boolean {
  if (range.family !== ip.family) return false;
  const width = ip.family === 4 ? 32 : 128;
  return maskTo(ip.value, range.prefix, width) === range.base;
}

/** `host:port`, with an IPv6 literal bracketed (`[::1]:8091`). */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
