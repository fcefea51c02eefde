import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

type Envelope = { error: { message: string; type: string; param: string | null; code: string | null } };

describe('bad client input gets a clear OpenAI error and reaches no miner', () => {
  let miner: ScriptedMiner;
  let gw: TestGateway;
  const post = (path: string, body: string, headers: Record<string, string> = {}) => fetch(`${gw.url}${path}`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', ...headers },
  });
  const expectError = async (response: Response, status: number, code: string, param: string | null = null): Promise<Envelope> => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const body = await response.json() as Envelope;
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe(code);
    expect(body.error.param).toBe(param);
    expect(typeof body.error.message).toBe('string');
    return body;
  };

  beforeAll(async () => {
    miner = await startScriptedMiner(1);
    gw = await startTestGateway({ server: { bodyLimitBytes: 4096 }, models: { [TEST_MODEL]: staticModel([miner]) } });
  });
  afterAll(async () => {
    await gw.stop();
    await miner.close();
  });

  it('malformed JSON is a 400 invalid_json', async () => {
    await expectError(await post('/v1/chat/completions', '{"model": "x", '), 400, 'invalid_json');
    await expectError(await post('/v1/chat/completions', ''), 400, 'invalid_json');
  });

  it('a body that is not an object is refused', async () => {
    const body = await expectError(await post('/v1/chat/completions', '[1,2]'), 400, 'invalid_request');
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('wrong types name the parameter', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: TEST_MODEL, messages: 'hi' }, 'messages'],
      [{ model: TEST_MODEL, messages: [] }, 'messages'],
      [{ model: TEST_MODEL, messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
      [{ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }, 'temperature'],
      [{ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
      [{ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: -1 }, 'max_tokens'],
      [{ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
      [{ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], response_format: { type: 'xml' } }, 'response_format.type'],
      [{ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'has space' } }] }, 'tools[0].function.name'],
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
    ];
    for (const [body, param] of cases) {
      await expectError(await post('/v1/chat/completions', JSON.stringify(body)), 400, 'invalid_request', param);
    }
  });

  it('unsupported values and parameters are refused by name', async () => {
    const base = { model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }] };
    await expectError(await post('/v1/chat/completions', JSON.stringify({ ...base, n: 3 })), 400, 'unsupported_value', 'n');
    await expectError(await post('/v1/chat/completions', JSON.stringify({ ...base, audio: {} })), 400, 'unsupported_parameter', 'audio');
    await expectError(await post('/v1/completions', JSON.stringify({ model: TEST_MODEL, prompt: ['a', 'b'] })), 400, 'invalid_request', 'prompt');
    await expectError(await post('/v1/completions', JSON.stringify({ model: TEST_MODEL, prompt: 'a', best_of: 2 })), 400, 'unsupported_value', 'best_of');
    await expectError(await post('/v1/chat/completions', JSON.stringify({ ...base, stream_options: { include_usage: true } })), 400, 'invalid_request', 'stream_options');
  });

  it('a body over the limit is a 413, by declared length and by actual bytes', async () => {
    const big = JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x'.repeat(10_000) }] });
    await expectError(await post('/v1/chat/completions', big), 413, 'request_too_large');
    // Chunked upload without a content-length: the limit is enforced while reading.
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: chunked, duplex: 'half' } as RequestInit);
    await expectError(response, 413, 'request_too_large');
  });

  it('an unknown model is a 404 model_not_found', async () => {
    await expectError(await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-17', messages: [{ role: 'user', content: 'x' }] })), 404, 'model_not_found', 'model');
    await expectError(await fetch(`${gw.url}/v1/models/gpt-17`), 404, 'model_not_found', 'model');
  });

  it('unknown routes are 404 and wrong methods 405, both as envelopes', async () => {
    await expectError(await fetch(`${gw.url}/v1/embeddings`, { method: 'POST' }), 404, 'not_found');
    const response = await fetch(`${gw.url}/v1/completions`);
    expect(response.headers.get('allow')).toBe('POST');
    await expectError(response, 405, 'method_not_allowed');
  });

  it('no invalid request ever reached the miner', () => {
    expect(miner.requests).toHaveLength(0);
  });
});
