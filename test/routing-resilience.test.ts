import { APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { answerFor } from '../src/miner/referenceMiner.js';
import { seededRandom } from '../src/routing/clock.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedMiner, type Behaviour, type ScriptedMiner } from './support/scriptedMiner.js';

const messages = [{ role: 'user' as const, content: 'Route me well.' }];
const expected = answerFor('chat', { model: TEST_MODEL, messages }).pieces.join('');

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.map((fn) => fn()));
  cleanup = [];
});

async function subnet(behaviours: Behaviour[], extra: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Promise<{ gw: TestGateway; miners: ScriptedMiner[] }> {
  const miners = await Promise.all(behaviours.map((b, i) => startScriptedMiner(i + 1, b)));
  const gw = await startTestGateway({
    ...config,
    models: { [TEST_MODEL]: staticModel(miners, { timeouts: { firstByteMs: 500, idleMs: 300, totalMs: 3_000 }, ...extra }) },
  }, { random: seededRandom(7) });
  cleanup.push(() => gw.stop(), ...miners.map((m) => () => m.close()));
  return { gw, miners };
}

const ask = (gw: TestGateway, extra: Record<string, unknown> = {}) => gw.client.chat.completions.create({ model: TEST_MODEL, messages, ...extra }).withResponse();

describe('routing over a run', () => {
  it('shifts traffic to the fast, healthy miner', async () => {
    // A wide latency gap and a short estimator memory keep this robust on a loaded machine.
    const { gw, miners } = await subnet([{ kind: 'ok', latencyMs: 150 }, { kind: 'ok', latencyMs: 2 }, { kind: 'ok' }], {}, { routing: { provenAfter: 2, latencyTauMs: 2_000 } });
    miners[2]!.behave((n) => (n % 2 === 0 ? { kind: 'status', status: 500 } : { kind: 'ok', latencyMs: 2 }));
    for (let i = 0; i < 60; i++) await ask(gw);
    const before = miners.map((m) => m.requests.length);
    for (let i = 0; i < 100; i++) expect((await ask(gw)).data.choices[0]!.message.content).toBe(expected);
    const late = miners.map((m, i) => m.requests.length - before[i]!);
    expect(late[1]!).toBeGreaterThan(60);
    expect(late[1]!).toBeGreaterThan(late[0]! + late[2]!);
  });

  it('cools down a miner that starts failing, probes it when the cooldown ends, and takes it back', async () => {
    // race k=2 asks both miners on every request, so failures reach the breaker one after another.
    const { gw, miners } = await subnet([{ kind: 'ok', latencyMs: 5 }, { kind: 'ok', latencyMs: 5 }], { fanout: { strategy: 'race', k: 2 } }, { routing: { cooldown: { failuresToOpen: 2, baseMs: 400 } } });
    const [a, b] = miners as [ScriptedMiner, ScriptedMiner];
    a.behave({ kind: 'status', status: 503 });
    for (let i = 0; i < 2; i++) expect((await ask(gw)).data.choices[0]!.message.content).toBe(expected);
    expect(a.requests).toHaveLength(2);
    for (let i = 0; i < 5; i++) {
      const { response } = await ask(gw);
      expect(response.headers.get('x-taogate-miners-asked')).toBe('1'); // cooling down: only b is asked
    }
    expect(a.requests).toHaveLength(2);
    a.behave({ kind: 'ok', latencyMs: 5 });
    await new Promise((r) => setTimeout(r, 450));
    await ask(gw); // the cooldown is over: this request probes a
    expect(a.requests).toHaveLength(3);
    const beforeB = b.requests.length;
    b.behave({ kind: 'status', status: 503 }); // now b fails: the recovered miner carries the traffic
    for (let i = 0; i < 5; i++) expect((await ask(gw)).response.headers.get('x-taogate-miner-uid')).toBe('1');
    expect(a.requests).toHaveLength(8);
    expect(b.requests.length).toBeGreaterThan(beforeB);
  });

  it("honours a miner's 429 Retry-After", async () => {
    const { gw, miners } = await subnet([{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }, { kind: 'ok' }], {}, { routing: { explorationShare: 0 } });
    const [a] = miners as [ScriptedMiner, ScriptedMiner];
    expect((await ask(gw)).response.headers.get('x-taogate-miner-uid')).toBe('2');
    expect(a.requests).toHaveLength(1);
    a.behave({ kind: 'ok' });
    for (let i = 0; i < 5; i++) await ask(gw);
    expect(a.requests).toHaveLength(1); // left alone for its Retry-After
    await new Promise((r) => setTimeout(r, 1_050));
    expect((await ask(gw)).response.headers.get('x-taogate-miner-uid')).toBe('1'); // asked again once the wait is over
    expect(a.requests).toHaveLength(2);
  });

  it('does not retry context_length_exceeded across the pool, whatever the strategy', async () => {
    const tooLong: Behaviour = { kind: 'status', status: 400, body: { error: { message: 'prompt is longer than the maximum context length', code: 'context_length_exceeded' } } };
    const { gw, miners } = await subnet([tooLong, { kind: 'ok' }], { fanout: { strategy: 'hedge', k: 2, hedge: { defaultDelayMs: 500 } } });
    const error = await ask(gw).catch((e: unknown) => e);
    expect((error as APIError).status).toBe(400);
    expect((error as APIError).code).toBe('context_length_exceeded');
    expect(miners[1]!.requests).toHaveLength(0);
  });

  it('gives one clean error quickly when every miner is down', async () => {
    const { gw, miners } = await subnet([{ kind: 'ok' }, { kind: 'ok' }, { kind: 'ok' }], { fanout: { strategy: 'hedge', k: 2, retries: 3 } });
    await Promise.all(miners.map((m) => m.close()));
    const started = Date.now();
    const error = await ask(gw).catch((e: unknown) => e);
    expect((error as APIError).status).toBe(502);
    expect(Date.now() - started).toBeLessThan(1_000);
    const streamed = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true }).catch((e: unknown) => e);
    expect((streamed as APIError).status).toBe(502);
  });

  it('gives a clean 504 within the deadline when every miner hangs', async () => {
    const { gw } = await subnet([{ kind: 'hang' }, { kind: 'hang' }], { fanout: { strategy: 'hedge', k: 2, retries: 1, hedge: { defaultDelayMs: 50 } } });
    const started = Date.now();
    const error = await ask(gw).catch((e: unknown) => e);
    expect((error as APIError).status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('streams keep their promise when any healthy miner exists', () => {
  const cases: Array<[string, Behaviour]> = [
    ['a stream cut mid-answer', { kind: 'cut', afterChunks: 5 }],
    ['a stall mid-answer', { kind: 'stall', afterChunks: 5 }],
    ['a malformed chunk mid-answer', { kind: 'malformed-chunk', afterChunks: 5 }],
    ['a missing [DONE]', { kind: 'no-done' }],
    ['no response at all', { kind: 'hang' }],
    ['a reset before headers', { kind: 'reset' }],
  ];
  for (const [name, behaviour] of cases) {
    it(`${name}: the client gets the complete answer`, async () => {
      const { gw, miners } = await subnet([behaviour, { kind: 'ok' }, { kind: 'ok' }], { fanout: { strategy: 'hedge', k: 2, hedge: { defaultDelayMs: 1_000 } } });
      const stream = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true, temperature: 0 });
      let text = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        for (const c of chunk.choices) {
          text += c.delta.content ?? '';
          if (c.finish_reason !== null) finish = c.finish_reason;
        }
      }
      expect(text).toBe(expected);
      expect(finish).toBe('stop');
      expect(miners[0]!.requests).toHaveLength(1);
    });
  }

  it('a non-deterministic stream that fails mid-answer ends with an error event, not a spliced answer', async () => {
    const { gw } = await subnet([{ kind: 'cut', afterChunks: 5 }, { kind: 'ok' }]);
    const stream = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true, temperature: 0.8 });
    const error = await (async () => {
      for await (const _chunk of stream) { /* read to the end */ }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
  });
});
