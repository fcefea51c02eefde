import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMinerList } from '../src/http/routes/miners.js';
import { startChainReplay, type ChainReplay } from './support/chainReplay.js';
import { tempDir } from './support/chainSubnet.js';
import { OpenApiContract } from './support/contract.js';
import { startTestGateway, type TestGateway } from './support/gatewayHarness.js';

/**
 * `/v1/miners` on the real finney SN1 metagraph (1024 neurons at block 6,852,690), read by the
 * gateway through @polkadot/api from the replayed recording. Two models on SN1 with different
 * eligibility share one read of the subnet. No request is sent to any miner here: these are
 * real public addresses.
 */

const TAO = 1_000_000_000n;
const UID0 = { hotkey: '5DkMmXtWf16RNdusZGCrJ7ca7ADPgRnZLVWCWbgA7s7sy1AQ', coldkey: '5EhQWxcFdYAk7B9tNdQnJQFzww5N3964rbsMk55SujcX3PwM' };

let replay: ChainReplay;
let gw: TestGateway;
const snapshots = tempDir('taogate-sn1-');
const contract = new OpenApiContract();

interface MinerJson { uid: number; hotkey: string; eligible: boolean; excluded_reason: string | null; excluded_kind: string | null; validator_score: number; endpoint: string | null }
interface ListJson { counts: Record<string, number>; data: MinerJson[]; [key: string]: unknown }

async function list(model: string): Promise<ListJson> {
  const response = await fetch(`${gw.url}/v1/miners?model=${encodeURIComponent(model)}`);
  const body = await response.json() as ListJson;
  expect(response.status).toBe(200);
  expect(contract.check('GET', '/v1/miners', response.status, response.headers, response.headers.get('content-type') ?? '', body)).toEqual([]);
  return body;
}

beforeAll(async () => {
  replay = await startChainReplay();
  gw = await startTestGateway({
    // Default: chain-registered addresses are public here, and no request is made.
    network: { allowCidrs: [] },
    chain: { endpoint: replay.url, snapshotDir: snapshots.dir },
    models: {
      sn1: { netuid: 1, protocol: 'openai', source: { type: 'chain' } },
      'sn1/strict': {
        netuid: 1,
        source: {
          type: 'chain', dedupe: 'coldkey', denyHotkeys: [UID0.hotkey],
          validatorStakeThresholdRao: String(4096n * TAO), scoreSource: 'dividends',
        },
      },
    },
  });
});
afterAll(async () => {
  await gw?.stop();
  await replay?.close();
  snapshots.remove();
});

describe('/v1/miners on the real finney SN1 metagraph', () => {
  it('lists all 1024 neurons with eligibility counts, reasons, endpoints and scores', async () => {
    const body = await list('sn1');
    expect(body).toMatchObject({
      object: 'list', model: 'sn1', netuid: 1, block: 6_852_690, stale: false, ready: true, reason: null,
      source: { kind: 'chain', network: `127.0.0.1:${replay.port}`, origin: 'chain' },
      // The only incentive sits on a uid that serves nothing: the documented fallback is uniform.
      score_source: 'uniform',
    });
    expect(body.counts).toEqual({ eligible: 820, not_serving: 197, validator: 7, blocked_address: 0, denied: 0, not_allowed: 0, duplicate: 0 });
    expect(body.data).toHaveLength(1024);
    expect(body.data.map((m) => m.uid)).toEqual([...Array(1024).keys()]);
    const { telemetry: uid0Telemetry, ...uid0 } = body.data[0] as unknown as Record<string, unknown>;
    expect(uid0).toEqual({
      uid: 0, ...UID0, endpoint: '192.222.59.109:6028', protocol: 'openai',
      eligible: true, excluded_reason: null, excluded_kind: null, validator_score: 1,
    });
    // Not measured yet: the score comes from the validator score and the prior alone.
    expect(uid0Telemetry).toMatchObject({ completed: 0, in_flight: 0, breaker: 'closed', health: 0.8, ttfb_ms: null, success_ratio: null });
    expect(body.data[245]).not.toHaveProperty('telemetry');
    expect(body.data[245]).toMatchObject({ eligible: false, excluded_reason: 'validator', excluded_kind: 'validator', endpoint: '192.150.253.122:8001', validator_score: 0 });
    expect(body.data[395]).toMatchObject({ eligible: false, excluded_reason: 'not serving', endpoint: null });
    for (const m of body.data) expect(m.eligible).toBe(m.excluded_reason === null);
  });

  it('applies each model its own eligibility on one shared read of the subnet', async () => {
    const reads = replay.calls.filter((c) => c.method === 'state_call' && c.params[0] === 'NeuronInfoRuntimeApi_get_neurons_lite');
    expect(reads).toHaveLength(1);
    const strict = await list('sn1/strict');
    // Permit holders under 4096 TAO (uids 447, 697) count as miners; uid 0 is denied; one miner per coldkey.
    expect(strict.counts).toMatchObject({ not_serving: 197, validator: 5, denied: 1 });
    expect(strict.counts.duplicate).toBeGreaterThan(0);
    expect(strict.counts.eligible! + strict.counts.duplicate!).toBe(822 - 1);
    expect(strict.data[0]).toMatchObject({ eligible: false, excluded_kind: 'denied', excluded_reason: 'denied hotkey' });
    expect(strict.data[697]).toMatchObject({ eligible: true, validator_score: 1 });
    expect(strict.score_source).toBe('dividends');
    const duplicate = strict.data.find((m) => m.excluded_kind === 'duplicate');
    expect(duplicate?.excluded_reason).toMatch(/^duplicate coldkey of uid \d+$/);
  });

  it('renders the routing telemetry a lookup provides, and only where it provides one', () => {
    const model = gw.parts.catalog.get('sn1')!;
    const report = { score: 0.42, ttfb_ms: 180, latency_ms: 900, tokens_per_second: null, in_flight: 1, window: { ok: 3 }, success_ratio: 1, health: 0.91, completed: 3, breaker: 'closed', cooling_down_until: null };
    const rendered = renderMinerList(model, (name, miner) => (name === 'sn1' && miner.uid === 0 ? report : undefined));
    const data = rendered.data as Array<Record<string, unknown>>;
    expect(data[0]?.telemetry).toEqual(report);
    expect(data[1]).not.toHaveProperty('telemetry');
    expect(contract.check('GET', '/v1/miners', 200, new Headers({ 'x-request-id': 'x' }), 'application/json', rendered)).toEqual([]);
  });

  it('exports the metagraph metrics and readiness of the subnet', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/^taogate_metagraph_block\{netuid="1"\} 6852690$/m);
    expect(text).toMatch(/^taogate_metagraph_age_seconds\{netuid="1"\} \d+$/m);
    expect(text).toMatch(/^taogate_metagraph_miners\{netuid="1",state="eligible"\} 820$/m);
    expect(text).toMatch(/^taogate_metagraph_miners\{netuid="1",state="not_serving"\} 197$/m);
    expect(text).toMatch(/^taogate_metagraph_miners\{netuid="1",state="validator"\} 7$/m);
    expect(text).toMatch(/^taogate_metagraph_miners\{netuid="1",state="blocked_address"\} 0$/m);
    expect(text).toMatch(/^# TYPE taogate_metagraph_refresh_failures_total counter$/m);
    const ready = await (await fetch(`${gw.url}/readyz`)).json() as { status: string; checks: Record<string, { ok: boolean; detail?: unknown }> };
    expect(ready.status).toBe('ready');
    expect(ready.checks['metagraph:1']).toMatchObject({ ok: true, detail: { block: 6_852_690, origin: 'chain', connected: true, lastError: null } });
    expect(ready.checks['model:sn1/strict']).toMatchObject({ ok: true });
  });
});
