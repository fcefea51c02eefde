import { afterEach, describe, expect, it } from 'vitest';
import { answerFor } from '../src/miner/referenceMiner.js';
import { seededRandom } from '../src/routing/clock.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedMiner, type Behaviour, type ScriptedMiner } from './support/scriptedMiner.js';

const messages = [{ role: 'user' as const, content: 'Which strategy wins?' }];
const expected = answerFor('chat', { model: TEST_MODEL, messages }).pieces.join('');

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.map((fn) => fn()));
  cleanup = [];
});

async function subnet(behaviours: Behaviour[], fanout: Record<string, unknown>): Promise<{ gw: TestGateway; miners: ScriptedMiner[] }> {
  const miners = await Promise.all(behaviours.map((b, i) => startScriptedMiner(i + 1, b)));
  const gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel(miners, { fanout, timeouts: { firstByteMs: 2_000, totalMs: 5_000 } }) } }, { random: seededRandom(42) });
  cleanup.push(() => gw.stop(), ...miners.map((m) => () => m.close()));
  return { gw, miners };
}

describe('fan-out strategies', () => {
  it('race: asks k at once, the first valid answer wins, the rest are cancelled', async () => {
    const { gw, miners } = await subnet([{ kind: 'ok', latencyMs: 600 }, { kind: 'ok', latencyMs: 10 }, { kind: 'ok', latencyMs: 600 }], { strategy: 'race', k: 3 });
    const started = Date.now();
    const { data, response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).withResponse();
    expect(Date.now() - started).toBeLessThan(500);
    expect(data.choices[0]!.message.content).toBe(expected);
    expect(response.headers.get('x-taogate-strategy')).toBe('race');
    expect(response.headers.get('x-taogate-miner-uid')).toBe('2');
    expect(response.headers.get('x-taogate-miner-hotkey')).toBe('scripted-miner-2');
    expect(response.headers.get('x-taogate-miners-asked')).toBe('3');
    expect(await miners[0]!.waitForAbort(1_000)).toBe(true);
    expect(await miners[2]!.waitForAbort(1_000)).toBe(true);
  });

  it('hedge: adds a second miner only when the first is slow', async () => {
    const { gw, miners } = await subnet([{ kind: 'ok', latencyMs: 800 }, { kind: 'ok', latencyMs: 5 }], { strategy: 'hedge', k: 2, hedge: { defaultDelayMs: 60 } });
    const { data, response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe(expected);
    expect(response.headers.get('x-taogate-miner-uid')).toBe('2');
    expect(response.headers.get('x-taogate-miners-asked')).toBe('2');
    expect(await miners[0]!.waitForAbort(1_000)).toBe(true);

    miners[0]!.behave({ kind: 'ok', latencyMs: 5 });
    miners[1]!.behave({ kind: 'ok', latencyMs: 5 });
    const fast = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).withResponse();
    expect(fast.response.headers.get('x-taogate-miners-asked')).toBe('1');
  });

  it('best-of-k: collects k answers, drops the one that disagrees, and penalises its miner', async () => {
    const { gw } = await subnet([{ kind: 'text', text: 'Bananas are yellow and full of potassium, trust me.' }, { kind: 'ok' }, { kind: 'ok' }], { strategy: 'best-of-k', k: 3 });
    const { data, response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe(expected);
    expect(response.headers.get('x-taogate-strategy')).toBe('best-of-k');
    expect(response.headers.get('x-taogate-miners-asked')).toBe('3');
    expect(response.headers.get('x-taogate-miner-uid')).not.toBe('1');
    expect(gw.logs.some((l) => l.msg === 'answers disagreed')).toBe(true);
  });

  it('consensus: the answer most miners agree on, for deterministic requests', async () => {
    const liar: Behaviour = { kind: 'text', text: 'A confident and completely different answer.' };
    const { gw } = await subnet([liar, { kind: 'ok' }, { kind: 'ok' }], { strategy: 'consensus', k: 3 });
    const { data, response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, temperature: 0 }).withResponse();
    expect(data.choices[0]!.message.content).toBe(expected);
    expect(response.headers.get('x-taogate-strategy')).toBe('consensus');
    const sampled = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, temperature: 0.9 }).withResponse();
    expect(sampled.response.headers.get('x-taogate-strategy')).toBe('best-of-k');
  });

  it('best-of-k on a stream replays the chosen answer as clean SSE', async () => {
    const { gw } = await subnet([{ kind: 'ok' }, { kind: 'ok' }], { strategy: 'best-of-k', k: 2 });
    const stream = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage = 0;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage.completion_tokens;
      for (const c of chunk.choices) {
        text += c.delta.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    expect(text).toBe(expected);
    expect(finish).toBe('stop');
    expect(usage).toBe(24);
  });

  it('a request can override the strategy and k by header, and bad values are named', async () => {
    const { gw } = await subnet([{ kind: 'ok' }, { kind: 'ok' }, { kind: 'ok' }], { strategy: 'single' });
    const { response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }, { headers: { 'x-taogate-strategy': 'race', 'x-taogate-k': '3' } }).withResponse();
    expect(response.headers.get('x-taogate-strategy')).toBe('race');
    expect(response.headers.get('x-taogate-miners-asked')).toBe('3');
    const bad = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-taogate-k': '99' }, body: JSON.stringify({ model: TEST_MODEL, messages }) });
    expect(bad.status).toBe(400);
    expect((await bad.json() as { error: { param: string } }).error.param).toBe('x-taogate-k');
  });

  it('an answer that ignores the requested JSON format is not an answer', async () => {
    const { gw, miners } = await subnet([{ kind: 'text', text: 'Sure! Here is your JSON: {"a": 1}' }, { kind: 'ok' }], { strategy: 'single' });
    const { data, response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, response_format: { type: 'json_object' } }).withResponse();
    expect(JSON.parse(data.choices[0]!.message.content!)).toHaveProperty('answer');
    expect(response.headers.get('x-taogate-miner-uid')).toBe('2');
    expect(miners[0]!.requests).toHaveLength(1);
  });
});
