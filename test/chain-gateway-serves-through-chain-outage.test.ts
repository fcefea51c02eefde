import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChainReplay, type ChainReplay } from './support/chainReplay.js';
import { neuronsServingAt, tempDir, until } from './support/chainSubnet.js';
import { startTestGateway, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { connectFixtureApi } from './support/neuronFixtures.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/**
 * The chain is a dependency the gateway can lose at any time. While it is away, requests keep
 * being served from the last good snapshot; `/readyz` says the metagraph went stale once it is
 * older than the configured age; when the chain returns, the next refresh recovers.
 */

let replay: ChainReplay;
let miners: ScriptedMiner[];
let gw: TestGateway;
const snapshots = tempDir('taogate-outage-');

beforeAll(async () => {
  replay = await startChainReplay();
  const api = await connectFixtureApi(replay);
  miners = await Promise.all([21, 22].map((uid) => startScriptedMiner(uid)));
  replay.setNeuronsLite(neuronsServingAt(api, miners.map((m) => ({ uid: m.uid, host: '127.0.0.1', port: m.port }))));
  await api.disconnect();
  gw = await startTestGateway({
    chain: {
      endpoint: replay.url, snapshotDir: snapshots.dir,
      refreshIntervalMs: 400, staleAfterMs: 1_500, retryInitialMs: 100, retryMaxMs: 300,
      connectTimeoutMs: 1_000, requestTimeoutMs: 1_000,
    },
    models: { [TEST_MODEL]: { netuid: 1, source: { type: 'chain' } } },
  });
});
afterAll(async () => {
  await gw?.stop();
  await replay?.close();
  await Promise.all((miners ?? []).map((m) => m.close()));
  snapshots.remove();
});

interface Readiness { status: string; checks: Record<string, { ok: boolean; reason?: string; detail?: Record<string, unknown> }> }
const readyz = async (): Promise<{ status: number; body: Readiness }> => {
  const r = await fetch(`${gw.url}/readyz`);
  return { status: r.status, body: await r.json() as Readiness };
};
const metric = async (pattern: RegExp): Promise<number> => {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const m = pattern.exec(text);
  return m === null ? Number.NaN : Number(m[1]);
};

/** Clients sending requests (half of them streamed) until stopped; every outcome is counted. */
function steadyTraffic(workers: number) {
  let running = true;
  const outcome = { ok: 0, failed: [] as unknown[] };
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i += 1) {
      try {
        const messages = [{ role: 'user' as const, content: `worker ${w} request ${i}` }];
        if (i % 2 === 0) {
          const reply = await gw.client.chat.completions.create({ model: TEST_MODEL, messages });
          if (!reply.choices[0]?.message.content) throw new Error('empty answer');
        } else {
          let text = '';
          for await (const chunk of await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true })) {
            text += chunk.choices[0]?.delta.content ?? '';
          }
          if (text === '') throw new Error('empty stream');
        }
        outcome.ok += 1;
      } catch (error) {
        outcome.failed.push(error);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  });
  return { outcome, stop: async () => { running = false; await Promise.all(loops); } };
}

describe('the chain going away and coming back while requests are served', () => {
  it('serves every request from the last good snapshot, reports staleness past the age, and recovers', async () => {
    expect((await readyz()).status).toBe(200);
    expect(await metric(/^taogate_metagraph_block\{netuid="1"\} (\d+)$/m)).toBe(6_852_690);
    const traffic = steadyTraffic(3);
    try {
      await until(() => traffic.outcome.ok >= 10, 10_000, 'traffic flowing');

      await replay.stop();
      const okAtOutage = traffic.outcome.ok;
      await until(async () => (await readyz()).status === 503, 10_000, '/readyz reporting staleness');
      const stale = (await readyz()).body;
      expect(stale.checks['metagraph:1']).toMatchObject({ ok: false, reason: expect.stringMatching(/^stale: read \d+ s ago \(limit 1\.5 s\)$/) });
      expect(stale.checks['metagraph:1']?.detail).toMatchObject({ block: 6_852_690, origin: 'chain', connected: false });
      expect(stale.checks[`model:${TEST_MODEL}`]).toMatchObject({
        ok: false, reason: expect.stringMatching(/^metagraph stale: netuid 1 read \d+ s ago at block 6852690 \(limit 1\.5 s\); last error: /),
      });
      expect(await metric(/^taogate_metagraph_refresh_failures_total\{netuid="1"\} (\d+)$/m)).toBeGreaterThan(0);
      expect(await metric(/^taogate_metagraph_age_seconds\{netuid="1"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
      // Requests went on being served while the chain was away.
      await until(() => traffic.outcome.ok >= okAtOutage + 10, 10_000, 'traffic during the outage');

      await replay.start();
      await until(async () => (await readyz()).status === 200, 10_000, 'recovery');
      expect((await readyz()).body.checks['metagraph:1']?.detail).toMatchObject({ origin: 'chain', connected: true, consecutiveFailures: 0, lastError: null });
      const okAtRecovery = traffic.outcome.ok;
      await until(() => traffic.outcome.ok >= okAtRecovery + 5, 10_000, 'traffic after recovery');
    } finally {
      await traffic.stop();
    }
    expect(traffic.outcome.failed).toEqual([]);
    expect(traffic.outcome.ok).toBeGreaterThan(25);
    const refreshed = gw.logs.filter((l) => l.msg === 'metagraph refreshed');
    expect(refreshed.at(-1)).toMatchObject({ component: 'metagraph', netuid: 1, block: 6_852_690, added: 0, removed: 0, moved: 0 });
    expect(refreshed.some((l) => typeof l.recoveredAfterFailures === 'number')).toBe(true);
    expect(gw.logs.some((l) => l.level === 40 && String(l.msg).startsWith('metagraph refresh failed'))).toBe(true);
  });
});
