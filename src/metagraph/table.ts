import { hostPort } from '../net/ip.js';
import type { MinerEntry, MinerSnapshot } from './types.js';

/** Options for `formatMinerTable`. */
export interface MinerTableOptions {
  /** Show eligible miners only (default false: every neuron, excluded ones with their reason). */
  eligibleOnly?: boolean;
  /** Row order (default `uid`); `score` puts the best-scored eligible miners first. */
  sortBy?: 'uid' | 'score';
  /** At most this many rows (default all). */
  limit?: number;
}

/** `5DkMmXtW…y1AQ`: enough of a hotkey to recognise it, short enough for a terminal. */
export function shortHotkey(hotkey: string): string {
  return hotkey.length <= 14 ? hotkey : `${hotkey.slice(0, 8)}…${hotkey.slice(-4)}`;
}

function endpointOf(m: MinerEntry): string {
  return m.host ? hostPort(m.host, m.port) : '-';
}

/**
 * A `MinerSnapshot` as a plain-text table for `taogate metagraph`: a summary line, then
 * uid, hotkey, endpoint, validator score and eligibility (or why not), one miner per row.
 */
export function formatMinerTable(snapshot: MinerSnapshot, options: MinerTableOptions = {}): string {
  let rows = options.eligibleOnly ? [...snapshot.eligible] : [...snapshot.miners];
  if (options.sortBy === 'score') {
    rows.sort((a, b) => Number(b.eligible) - Number(a.eligible) || b.validatorScore - a.validatorScore || a.uid - b.uid);
  } else {
    rows.sort((a, b) => a.uid - b.uid);
  }
  const total = rows.length;
  if (options.limit !== undefined) rows = rows.slice(0, Math.max(0, options.limit));

  const header = ['UID', 'HOTKEY', 'ENDPOINT', 'SCORE', 'STATUS'];
  const cells = rows.map((m) => [
    String(m.uid),
    shortHotkey(m.hotkey),
    endpointOf(m),
    m.eligible ? m.validatorScore.toFixed(3) : '-',
    m.eligible ? 'eligible' : m.excludedReason ?? 'excluded',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  // Numbers right-aligned, text left-aligned; the last column is not padded (no trailing spaces).
  const line = (c: string[]): string => c
    .map((v, i) => (i === c.length - 1 ? v : i === 0 || i === 3 ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
    .join('  ');

  const summary = [
    `netuid ${snapshot.netuid}`,
    snapshot.block === null ? null : `block ${snapshot.block}`,
    `${snapshot.eligible.length}/${snapshot.miners.length} eligible`,
    snapshot.scoreSource ? `scores from ${snapshot.scoreSource}` : null,
  ].filter((s) => s !== null).join(' · ');
  const out = [summary, line(header), ...cells.map(line)];
  if (rows.length < total) out.push(`… ${total - rows.length} more`);
  return `${out.join('\n')}\n`;
}
