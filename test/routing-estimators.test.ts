import { describe, expect, it } from 'vitest';
import { Cooldown } from '../src/routing/cooldown.js';
import { PeakEwma } from '../src/routing/peakEwma.js';
import { RollingCounts } from '../src/routing/rollingCounts.js';
import { healthOf, minerScore } from '../src/routing/score.js';
import { mergeSummaries } from '../src/routing/summaries.js';

describe('peak-sensitive EWMA', () => {
  it('jumps to a slow sample at once and decays back with time', () => {
    const ewma = new PeakEwma(10_000);
    ewma.observe(100, 0);
    expect(ewma.value).toBe(100);
    ewma.observe(1_000, 1_000); // a slowdown shows immediately
    expect(ewma.value).toBe(1_000);
    ewma.observe(100, 11_000); // 10 s later (one tau): weight e^-1 on the old value
    expect(ewma.value).toBeCloseTo(1_000 * Math.exp(-1) + 100 * (1 - Math.exp(-1)), 6);
    ewma.observe(100, 11_000); // no time passed: a fast sample cannot pull it down at once
    expect(ewma.value).toBeCloseTo(1_000 * Math.exp(-1) + 100 * (1 - Math.exp(-1)), 6);
  });
});

describe('rolling outcome counts', () => {
  it('counts within the window and forgets bucket by bucket', () => {
    const counts = new RollingCounts(60_000, 6);
    counts.add('ok', 1_000);
    counts.add('timeout', 15_000);
    counts.add('ok', 59_000, 2);
    expect(Object.fromEntries(counts.totals(59_000))).toEqual({ ok: 3, timeout: 1 });
    expect(Object.fromEntries(counts.totals(65_000))).toEqual({ ok: 2, timeout: 1 }); // the first bucket left
    expect(Object.fromEntries(counts.totals(125_000))).toEqual({});
  });
});

describe('cooldown breaker', () => {
  const policy = { failuresToOpen: 3, baseMs: 1_000, maxMs: 5_000 };

  it('opens after consecutive failures, probes once half-open, and closes on success', () => {
    const breaker = new Cooldown(policy);
    breaker.failed(0);
    breaker.failed(0);
    expect(breaker.state(0)).toBe('closed');
    breaker.failed(0);
    expect(breaker.state(0)).toBe('open');
    expect(breaker.admits(999)).toBe(false);
    expect(breaker.state(1_000)).toBe('half-open');
    expect(breaker.admits(1_000)).toBe(true);
    breaker.started(1_000);
    expect(breaker.admits(1_000)).toBe(false); // one probe at a time
    breaker.succeeded();
    expect(breaker.state(1_000)).toBe('closed');
  });

  it('doubles the cooldown each time a probe fails, up to the maximum', () => {
    const breaker = new Cooldown(policy);
    for (let i = 0; i < 3; i++) breaker.failed(0);
    expect(breaker.openUntil).toBe(1_000);
    breaker.failed(1_000); // the half-open probe failed
    expect(breaker.openUntil).toBe(3_000);
    breaker.failed(3_000);
    expect(breaker.openUntil).toBe(7_000);
    breaker.failed(7_000);
    expect(breaker.openUntil).toBe(12_000); // capped at 5 s
  });

  it('does not escalate for calls that were in flight when it opened and fail after', () => {
    const breaker = new Cooldown(policy);
    for (let i = 0; i < 3; i++) breaker.failed(0);
    for (let i = 0; i < 7; i++) breaker.failed(10 * i); // the rest of a busy miner's calls
    expect(breaker.openUntil).toBe(1_000);
    breaker.failed(1_000); // the half-open probe: that one counts
    expect(breaker.openUntil).toBe(3_000);
  });

  it("honours a miner's Retry-After exactly", () => {
    const breaker = new Cooldown(policy);
    breaker.retryAfter(10_000, 7);
    expect(breaker.admits(16_999)).toBe(false);
    expect(breaker.admits(17_000)).toBe(true);
  });
});

describe('the routing score', () => {
  const base = { validatorScore: 1, referenceLatencyMs: 100, streaming: false };

  it('starts an unproven miner at health 0.8 and punishes failures quadratically', () => {
    expect(healthOf(undefined)).toBeCloseTo(0.8, 10);
    expect(minerScore({ ...base, telemetry: undefined })).toBeCloseTo(1 * 0.64 * 0.5 * 1, 10);
    const failing = { counts: { ok: 1, timeout: 9 }, inFlight: 0, latencyMs: 100 };
    expect(minerScore({ ...base, telemetry: failing })).toBeCloseTo((3 / 12.5) ** 2 * 0.5, 10);
  });

  it('prefers fast, idle, well-scored miners', () => {
    const fast = { counts: { ok: 10 }, inFlight: 0, latencyMs: 50 };
    const slow = { counts: { ok: 10 }, inFlight: 0, latencyMs: 400 };
    const busy = { counts: { ok: 10 }, inFlight: 3, latencyMs: 50 };
    expect(minerScore({ ...base, telemetry: fast })).toBeGreaterThan(minerScore({ ...base, telemetry: slow }));
    expect(minerScore({ ...base, telemetry: fast })).toBeCloseTo(4 * minerScore({ ...base, telemetry: busy }), 10);
    expect(minerScore({ ...base, validatorScore: 0, telemetry: fast })).toBeCloseTo(0.1 * minerScore({ ...base, telemetry: fast }), 10);
  });

  it('ignores cancelled calls and the client\'s own errors in health', () => {
    expect(healthOf({ ok: 4, cancelled: 50, client: 3 })).toBeCloseTo(6 / 6.5, 10);
  });
});

describe('merging replicas\' views of a miner', () => {
  it('adds counts and load, weights estimates by calls, and keeps the breaker open if either opened it', () => {
    const merged = mergeSummaries(
      { counts: { ok: 3 }, inFlight: 1, completed: 3, openUntil: 0, at: 10, latencyMs: 100 },
      { counts: { ok: 1, timeout: 0 }, inFlight: 2, completed: 1, openUntil: 5_000, at: 20, latencyMs: 500 },
    );
    expect(merged).toEqual({ counts: { ok: 4, timeout: 0 }, inFlight: 3, completed: 4, openUntil: 5_000, at: 20, latencyMs: (100 * 3 + 500 * 1) / 4 });
  });
});

describe('telemetry memory', () => {
  it('drops the stats of miners idle for an hour, and keeps busy ones', async () => {
    const { Telemetry } = await import('../src/routing/telemetry.js');
    let now = 0;
    const telemetry = new Telemetry(() => now);
    const miner = (hotkey: string) => ({ uid: 1, hotkey, coldkey: null, host: 'h', port: 1, validatorScore: 1, eligible: true });
    telemetry.observer().begin('m', miner('idle'), false).success({ streamed: false });
    telemetry.observer().begin('m', miner('busy'), false); // still in flight
    now += 61 * 60_000;
    telemetry.prune();
    expect(telemetry.peek('idle')).toBeUndefined();
    expect(telemetry.peek('busy')).toBeDefined();
  });

  it("frees a half-open probe that ended with the client's own error (it says nothing of the miner)", async () => {
    const { Telemetry } = await import('../src/routing/telemetry.js');
    const { MinerError } = await import('../src/transport/minerError.js');
    let now = 0;
    const telemetry = new Telemetry(() => now);
    const miner = { uid: 1, hotkey: 'probed', coldkey: null, host: 'h', port: 1, validatorScore: 1, eligible: true };
    for (let i = 0; i < 3; i++) telemetry.observer().begin('m', miner, false).failure(new MinerError('connect_error', 'refused'));
    const breaker = telemetry.peek('probed')!.breaker;
    now = breaker.openUntil;
    expect(breaker.admits(now)).toBe(true);
    telemetry.observer().begin('m', miner, false).failure(new MinerError('context_length_exceeded', 'too long'));
    expect(breaker.admits(now)).toBe(true);
  });
});
