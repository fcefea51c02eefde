import type { ApiPromise } from '@polkadot/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChainReplay, type ChainReplay } from './support/chainReplay.js';
import { neuronsServingAt, tempDir, type PlannedAxon } from './support/chainSubnet.js';
import { startTestGateway, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { connectFixtureApi } from './support/neuronFixtures.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/**
 * Anyone can register an axon at any address. A gateway reading such a metagraph must call
 * the local miners only when loopback is explicitly allowed, and never the private,
 * link-local (cloud metadata), CGNAT or IPv6 link-local addresses next to them.
 */

const LOCAL_UIDS = [3, 5, 7];
const BLOCKED: Array<PlannedAxon & { reason: string }> = [
  { uid: 10, host: '10.0.0.7', port: 8091, reason: 'private address 10.0.0.7' },
  { uid: 11, host: '169.254.169.254', port: 80, reason: 'link-local address 169.254.169.254' },
  { uid: 12, host: '192.168.1.20', port: 8091, reason: 'private address 192.168.1.20' },
  { uid: 13, host: 'fe80::1', port: 8091, reason: 'link-local address fe80::1' },
  { uid: 14, host: '100.64.0.1', port: 8091, reason: 'carrier-grade NAT address 100.64.0.1' },
];

let replay: ChainReplay;
let api: ApiPromise;
let miners: ScriptedMiner[];
const snapshots = tempDir('taogate-allow-');

const chainModel = { netuid: 1, source: { type: 'chain' }, timeouts: { connectMs: 500, firstByteMs: 2_000, idleMs: 1_000, totalMs: 5_000 } };
const requestsSeen = (): number => miners.reduce((n, m) => n + m.requests.length, 0);

beforeAll(async () => {
  replay = await startChainReplay();
  api = await connectFixtureApi(replay);
  miners = await Promise.all(LOCAL_UIDS.map((uid) => startScriptedMiner(uid)));
  const local = miners.map((m) => ({ uid: m.uid, host: '127.0.0.1', port: m.port }));
  replay.setNeuronsLite(neuronsServingAt(api, [...local, ...BLOCKED]));
});
afterAll(async () => {
  await api?.disconnect();
  await replay?.close();
  await Promise.all((miners ?? []).map((m) => m.close()));
  snapshots.remove();
});

async function gateway(allowCidrs: string[]): Promise<TestGateway> {
  return await startTestGateway({
    network: { allowCidrs },
    chain: { endpoint: replay.url, snapshotDir: snapshots.dir },
    models: { [TEST_MODEL]: chainModel },
  });
}

async function minersOf(gw: TestGateway) {
  const response = await fetch(`${gw.url}/v1/miners?model=${TEST_MODEL}`);
  expect(response.status).toBe(200);
  return await response.json() as {
    counts: Record<string, number>; ready: boolean; reason: string | null;
    data: Array<{ uid: number; endpoint: string | null; eligible: boolean; excluded_reason: string | null; excluded_kind: string | null }>;
  };
}

describe('a chain-sourced gateway with axons at local and internal addresses', () => {
  it('with loopback allowed, serves every request from the local miners and lists the others as blocked', async () => {
    const gw = await gateway(['127.0.0.0/8']);
    try {
      const before = requestsSeen();
      for (let i = 0; i < 9; i += 1) {
        const reply = await gw.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: `hello ${i}` }] });
        expect(reply.choices[0]?.message.content).toBeTruthy();
      }
      expect(requestsSeen() - before).toBe(9);

      const listed = await minersOf(gw);
      expect(listed.counts).toMatchObject({ eligible: 3, blocked_address: 5, not_serving: 1016 });
      expect(listed.data.filter((m) => m.eligible).map((m) => m.endpoint).sort())
        .toEqual(miners.map((m) => `127.0.0.1:${m.port}`).sort());
      for (const b of BLOCKED) {
        expect(listed.data.find((m) => m.uid === b.uid)).toMatchObject({ eligible: false, excluded_kind: 'blocked_address', excluded_reason: b.reason });
      }
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
      // Nothing was even attempted at a blocked address.
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toMatch(/taogate_miner_requests_total\{model="test-model",outcome="ok"\} 9/);
      expect(metrics).not.toMatch(/outcome="blocked_address"/);
    } finally {
      await gw.stop();
    }
  });

  it('without an allow-list, reaches no miner at all and says why in /readyz and /v1/miners', async () => {
    const gw = await gateway([]);
    try {
      const before = requestsSeen();
      const ready = await fetch(`${gw.url}/readyz`);
      expect(ready.status).toBe(503);
      const report = await ready.json() as { checks: Record<string, { ok: boolean; reason?: string }> };
      expect(report.checks[`model:${TEST_MODEL}`]).toMatchObject({ ok: false, reason: 'no eligible miners (1016 not serving, 8 blocked address)' });
      // The metagraph itself is fine: it is the addresses that are refused.
      expect(report.checks['metagraph:1']).toMatchObject({ ok: true });

      const listed = await minersOf(gw);
      expect(listed).toMatchObject({ ready: false, reason: 'no eligible miners (1016 not serving, 8 blocked address)' });
      for (const m of miners) {
        expect(listed.data.find((x) => x.uid === m.uid)).toMatchObject({ eligible: false, excluded_reason: 'loopback address 127.0.0.1' });
      }

      const failed = await gw.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ status: 503, code: 'no_eligible_miners' });
      expect(requestsSeen()).toBe(before);
    } finally {
      await gw.stop();
    }
  });

  it('refuses static miners too: loopback literals are ineligible, and a name resolving to loopback is refused at connect time', async () => {
    const [a, b] = miners as [ScriptedMiner, ScriptedMiner];
    const gw = await startTestGateway({
      network: { allowCidrs: [] },
      models: {
        literal: { netuid: 1, source: { type: 'static', miners: [{ uid: a.uid, hotkey: a.hotkey, host: '127.0.0.1', port: a.port }] } },
        named: {
          netuid: 1, fanout: { retries: 0 },
          source: { type: 'static', miners: [{ uid: b.uid, hotkey: b.hotkey, host: 'localhost', port: b.port }] },
        },
      },
    });
    try {
      const before = requestsSeen();
      const literal = await (await fetch(`${gw.url}/v1/miners?model=literal`)).json() as { data: Array<Record<string, unknown>> };
      expect(literal.data[0]).toMatchObject({ eligible: false, excluded_kind: 'blocked_address', excluded_reason: 'loopback address 127.0.0.1' });
      // A host name cannot be judged before it resolves: it is listed, and the connector refuses it.
      const named = await (await fetch(`${gw.url}/v1/miners?model=named`)).json() as { data: Array<Record<string, unknown>> };
      expect(named.data[0]).toMatchObject({ eligible: true, endpoint: `localhost:${b.port}` });

      const failed = await gw.client.chat.completions.create({ model: 'named', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect((failed as { status?: number }).status).toBeGreaterThanOrEqual(500);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toMatch(/taogate_miner_requests_total\{model="named",outcome="blocked_address"\} 1/);
      expect(requestsSeen()).toBe(before);
    } finally {
      await gw.stop();
    }
  });
});
