import { describe, expect, it } from 'vitest';
import type { MinerEntry } from '../src/metagraph/types.js';
import { seededRandom } from '../src/routing/clock.js';
import { ScoredSelector } from '../src/routing/selector.js';
import { Telemetry } from '../src/routing/telemetry.js';
import { MinerError } from '../src/transport/minerError.js';

function miners(n: number, score = 1): MinerEntry[] {
  return Array.from({ length: n }, (_, i) => ({ uid: i, hotkey: `hk${i}`, coldkey: null, host: '203.0.113.1', port: 8000 + i, validatorScore: score, eligible: true }));
}

/** A hand-moved clock and telemetry fed with exact outcomes. */
function rig(seed = 1) {
  let now = 1_000_000;
  const clock = () => now;
  const telemetry = new Telemetry(clock, { cooldown: { failuresToOpen: 3, baseMs: 1_000, maxMs: 8_000 } });
  const selector = new ScoredSelector(telemetry, seededRandom(seed), { tableTtlMs: 0 });
  const observer = telemetry.observer();
  const succeed = (m: MinerEntry, ms: number): void => {
    const record = observer.begin('m', m, false);
    now += ms;
    record.success({ firstByteMs: ms, completionTokens: 10, streamed: false });
  };
  const fail = (m: MinerError, miner: MinerEntry): void => observer.begin('m', miner, false).failure(m);
  return { telemetry, selector, succeed, fail, advance: (ms: number) => { now += ms; }, get now() { return now; } };
}

const ctx = (candidates: MinerEntry[], exclude: string[] = []) => ({ model: 'm', candidates, exclude: new Set(exclude), streaming: false });

describe('scored miner selection', () => {
  it('with two candidates always takes the better-scored one (power of two choices)', () => {
    const { selector } = rig();
    const pool = [...miners(1, 0.2), ...miners(1, 0.9).map((m) => ({ ...m, hotkey: 'good', uid: 9 }))];
    for (let i = 0; i < 20; i++) expect(selector.pick(ctx(pool))!.hotkey).toBe('good');
  });

  it('never picks an excluded miner, and returns nothing when all are excluded', () => {
    const { selector } = rig();
    const pool = miners(3);
    for (let i = 0; i < 20; i++) expect(selector.pick(ctx(pool, ['hk0', 'hk2']))!.hotkey).toBe('hk1');
    expect(selector.pick(ctx(pool, ['hk0', 'hk1', 'hk2']))).toBeUndefined();
  });

  it('sends most traffic to fast miners once measured', () => {
    const r = rig(7);
    const pool = miners(4);
    for (const m of pool) for (let i = 0; i < 5; i++) r.succeed(m, m.uid === 2 ? 20 : 400);
    const picks = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const m = r.selector.pick(ctx(pool))!;
      picks.set(m.hotkey, (picks.get(m.hotkey) ?? 0) + 1);
    }
    expect(picks.get('hk2')!).toBeGreaterThan(600);
  });

  it('caps the share of unproven miners while proven ones exist', () => {
    const r = rig(3);
    const pool = miners(10);
    for (const m of pool.slice(0, 2)) for (let i = 0; i < 5; i++) r.succeed(m, 50);
    let unproven = 0;
    for (let i = 0; i < 5_000; i++) if (Number(r.selector.pick(ctx(pool))!.uid) >= 2) unproven++;
    expect(unproven / 5_000).toBeGreaterThan(0.07);
    expect(unproven / 5_000).toBeLessThan(0.13);
  });

  it('cools a failing miner down, probes it when the cooldown ends, and takes it back on success', () => {
    const r = rig();
    const [a, b] = miners(2);
    for (let i = 0; i < 3; i++) r.fail(new MinerError('http_error', 'x'), a!);
    for (let i = 0; i < 20; i++) expect(r.selector.pick(ctx([a!, b!]))!.hotkey).toBe('hk1');
    r.advance(1_000); // half-open: the next pick is the probe, even though b scores better
    expect(r.selector.pick(ctx([a!, b!]))?.hotkey).toBe('hk0');
    r.telemetry.observer().begin('m', a!, false); // the probe is in flight: no second probe
    expect(r.selector.pick(ctx([a!, b!]))?.hotkey).toBe('hk1');
    // This request already has its healthy miner (hk1): a cooling one is not forced on it.
    expect(r.selector.pick(ctx([a!, b!], ['hk1']))).toBeUndefined();
    r.telemetry.stats('hk0').breaker.succeeded();
    expect(r.telemetry.stats('hk0').breaker.state(r.now)).toBe('closed');
  });

  it("skips a rate-limited miner for exactly its Retry-After", () => {
    const r = rig();
    const [a, b] = miners(2);
    r.fail(new MinerError('rate_limited', '429', { retryAfterSeconds: 2 }), a!);
    for (let i = 0; i < 10; i++) expect(r.selector.pick(ctx([a!, b!]))!.hotkey).toBe('hk1');
    r.advance(2_000);
    expect(r.telemetry.stats('hk0').breaker.admits(r.now)).toBe(true);
  });

  it('probes the best miner rather than failing when every miner is cooling down', () => {
    const r = rig();
    const pool = miners(3);
    for (const m of pool) for (let i = 0; i < 3; i++) r.fail(new MinerError('connect_error', 'x'), m);
    r.telemetry.stats('hk1').counts.add('ok', r.now, 5); // hk1 has the best record
    expect(r.selector.pick(ctx(pool))!.hotkey).toBe('hk1');
  });

  it('does not count lost races against a miner', () => {
    const r = rig();
    const [a] = miners(1);
    for (let i = 0; i < 10; i++) r.fail(new MinerError('cancelled', 'lost the race'), a!);
    expect(r.telemetry.stats('hk0').breaker.state(r.now)).toBe('closed');
  });
});
