import { APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { answerFor } from '../src/miner/referenceMiner.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedMiner, type Behaviour, type ScriptedMiner } from './support/scriptedMiner.js';

const messages = [{ role: 'user' as const, content: 'Tell me about miners.' }];
const expected = answerFor('chat', { model: TEST_MODEL, messages }).pieces.join('');

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.map((fn) => fn()));
  cleanup = [];
});

/** A gateway whose round robin asks the faulty miner (uid 1) first, then a healthy one. */
async function faultyThenHealthy(faulty: Behaviour, healthy: Behaviour = { kind: 'ok' }): Promise<{ gw: TestGateway; bad: ScriptedMiner; good: ScriptedMiner }> {
  const bad = await startScriptedMiner(1, faulty);
  const good = await startScriptedMiner(2, healthy);
  const gw = await startTestGateway({
    models: { [TEST_MODEL]: staticModel([bad, good], { timeouts: { firstByteMs: 400, idleMs: 300, totalMs: 3_000 } }) },
  });
  cleanup.push(() => gw.stop(), () => bad.close(), () => good.close());
  return { gw, bad, good };
}

async function collectStream(gw: TestGateway): Promise<{ text: string; finish: string | null; error?: unknown }> {
  let text = '';
  let finish: string | null = null;
  try {
    const stream = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true });
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
  } catch (error) {
    return { text, finish, error };
  }
  return { text, finish };
}

describe('a failing miner before any byte reached the client', () => {
  const cases: Array<[string, Behaviour]> = [
    ['returns garbage', { kind: 'garbage' }],
    ['hangs without answering', { kind: 'hang' }],
    ['resets the connection before headers', { kind: 'reset' }],
    ['answers 500', { kind: 'status', status: 500 }],
    ['answers an empty completion', { kind: 'empty' }],
    ['sends a body over the size cap', { kind: 'huge', bytes: 5 * 1024 * 1024 }],
  ];
  for (const [name, behaviour] of cases) {
    it(`${name}: the client gets the complete answer from another miner`, async () => {
      const { gw, bad, good } = await faultyThenHealthy(behaviour);
      const { data, response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).withResponse();
      expect(data.choices[0]!.message.content).toBe(expected);
      expect(response.headers.get('x-taogate-miner-uid')).toBe('2');
      expect(response.headers.get('x-taogate-miners-asked')).toBe('2');
      expect(bad.requests).toHaveLength(1);
      expect(good.requests).toHaveLength(1);
    });

    it(`${name}, streamed: the client gets the complete stream from another miner`, async () => {
      const { gw } = await faultyThenHealthy(behaviour);
      const result = await collectStream(gw);
      expect(result.error).toBeUndefined();
      expect(result.text).toBe(expected);
      expect(result.finish).toBe('stop');
    });
  }

  it('a stream that breaks before any content fails over silently', async () => {
    for (const behaviour of [{ kind: 'cut', afterChunks: 0 }, { kind: 'malformed-chunk', afterChunks: 0 }, { kind: 'stall', afterChunks: 0 }] as Behaviour[]) {
      const { gw } = await faultyThenHealthy(behaviour);
      const result = await collectStream(gw);
      expect(result.error).toBeUndefined();
      expect(result.text).toBe(expected);
    }
  });
});

describe('a miner that fails after the stream was committed to it', () => {
  const cases: Array<[string, Behaviour]> = [
    ['dies mid-stream', { kind: 'cut', afterChunks: 3 }],
    ['stalls mid-stream', { kind: 'stall', afterChunks: 3 }],
    ['sends a malformed chunk mid-stream', { kind: 'malformed-chunk', afterChunks: 3 }],
    ['ends without [DONE]', { kind: 'no-done' }],
  ];
  for (const [name, behaviour] of cases) {
    it(`${name}: the stream ends with an error event, never a finished-looking answer`, async () => {
      const bad = await startScriptedMiner(1, behaviour);
      const gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([bad], { timeouts: { idleMs: 300 } }) } });
      cleanup.push(() => gw.stop(), () => bad.close());
      const result = await collectStream(gw);
      expect(result.error).toBeInstanceOf(APIError);
      expect(String((result.error as APIError).message)).toMatch(/incomplete/);
      expect(result.finish).toBeNull();
      expect(expected.startsWith(result.text)).toBe(true);
    });
  }
});

describe('when no miner can answer', () => {
  it('every miner failing gives one clean 502 envelope', async () => {
    const a = await startScriptedMiner(1, { kind: 'garbage' });
    const b = await startScriptedMiner(2, { kind: 'status', status: 503 });
    const gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([a, b]) } });
    cleanup.push(() => gw.stop(), () => a.close(), () => b.close());
    const error = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(502);
    expect((error as APIError).code).toBe('miner_error');
    expect((error as APIError).message).not.toContain('scripted');
    const streamed = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true }).catch((e: unknown) => e);
    expect((streamed as APIError).status).toBe(502);
  });

  it('every miner timing out gives a 504 in bounded time', async () => {
    const a = await startScriptedMiner(1, { kind: 'hang' });
    const b = await startScriptedMiner(2, { kind: 'hang' });
    const gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([a, b], { timeouts: { firstByteMs: 200 } }) } });
    cleanup.push(() => gw.stop(), () => a.close(), () => b.close());
    const started = Date.now();
    const error = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).catch((e: unknown) => e);
    expect((error as APIError).status).toBe(504);
    expect((error as APIError).code).toBe('miner_timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a context-length rejection is a 400 and is not retried on other miners', async () => {
    const a = await startScriptedMiner(1, { kind: 'status', status: 400, body: { error: { message: "This model's maximum context length is 4096 tokens", code: 'context_length_exceeded' } } });
    const b = await startScriptedMiner(2);
    const gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([a, b]) } });
    cleanup.push(() => gw.stop(), () => a.close(), () => b.close());
    const error = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).catch((e: unknown) => e);
    expect((error as APIError).status).toBe(400);
    expect((error as APIError).code).toBe('context_length_exceeded');
    expect(b.requests).toHaveLength(0);
  });

  it('a miner answering 429 with Retry-After makes the gateway answer 503 with Retry-After when no one else can', async () => {
    const a = await startScriptedMiner(1, { kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([a]) } });
    cleanup.push(() => gw.stop(), () => a.close());
    const response = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: TEST_MODEL, messages }) });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect((await response.json() as { error: { code: string } }).error.code).toBe('miners_overloaded');
  });
});

describe('a miner that ignores stream: true', () => {
  it('answers whole JSON, and the client still gets a complete stream with the usage it asked for', async () => {
    const completion = {
      id: 'x', object: 'chat.completion', created: 1, model: TEST_MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'a whole answer' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    };
    const miner = await startScriptedMiner(1, { kind: 'status', status: 200, body: completion });
    const gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([miner]) } });
    cleanup.push(() => gw.stop(), () => miner.close());
    const stream = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('a whole answer');
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });
});
