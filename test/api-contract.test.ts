import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiSchemas, OpenApiContract, sseEvents } from './support/contract.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/**
 * Live responses checked against openapi.yaml, and the chat/completions objects against
 * OpenAI's own published schemas. We hold the strict reading of OpenAI's schemas for whole
 * answers and chat chunks (we always send message.refusal and choices[].logprobs). For
 * legacy completion chunks we relax one documented quirk of OpenAI's spec: it declares
 * finish_reason non-nullable, which no intermediate chunk can satisfy.
 */
describe('the API contract', () => {
  const contract = new OpenApiContract();
  const openai = new OpenAiSchemas();
  let healthy: ScriptedMiner;
  let broken: ScriptedMiner;
  let gw: TestGateway;

  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gw.url}${url}`, {
      method, headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    return { response, contentType, text };
  };
  const conform = (method: string, path: string, r: { response: Response; contentType: string }, body: unknown): void => {
    expect(contract.check(method, path, r.response.status, r.response.headers, r.contentType, body)).toEqual([]);
  };

  beforeAll(async () => {
    healthy = await startScriptedMiner(1);
    broken = await startScriptedMiner(2, { kind: 'garbage' });
    gw = await startTestGateway({
      server: { bodyLimitBytes: 2048 },
      models: {
        [TEST_MODEL]: staticModel([healthy]),
        broken: staticModel([broken]),
        empty: { netuid: 9, source: { type: 'static', miners: [] } },
      },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([healthy.close(), broken.close()]);
  });

  it('documents exactly the routes the gateway serves', () => {
    const served = new Set(gw.parts.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(':id{.+}', '{model}')}`));
    const documented = new Set(Object.entries(contract.doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
    expect([...served].sort()).toEqual([...documented].sort());
  });

  it('chat completions, whole and streamed', async () => {
    const messages = [{ role: 'user', content: 'contract' }];
    const whole = await call('POST', '/v1/chat/completions', { model: TEST_MODEL, messages });
    const body = JSON.parse(whole.text) as unknown;
    conform('POST', '/v1/chat/completions', whole, body);
    expect(openai.check('CreateChatCompletionResponse', body)).toEqual([]);

    const streamed = await call('POST', '/v1/chat/completions', { model: TEST_MODEL, messages, stream: true, stream_options: { include_usage: true } });
    const events = sseEvents(streamed.text);
    expect(events[events.length - 1]).toBe('[DONE]');
    expect(events.length).toBeGreaterThan(2); // chunks to check, not just [DONE]
    for (const event of events.slice(0, -1)) {
      const chunk = JSON.parse(event) as unknown;
      conform('POST', '/v1/chat/completions', streamed, chunk);
      expect(openai.check('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    }
  });

  it('completions, whole and streamed', async () => {
    const whole = await call('POST', '/v1/completions', { model: TEST_MODEL, prompt: 'contract' });
    const body = JSON.parse(whole.text) as unknown;
    conform('POST', '/v1/completions', whole, body);
    expect(openai.check('CreateCompletionResponse', body)).toEqual([]);

    const streamed = await call('POST', '/v1/completions', { model: TEST_MODEL, prompt: 'contract', stream: true, stream_options: { include_usage: true } });
    const events = sseEvents(streamed.text);
    expect(events[events.length - 1]).toBe('[DONE]');
    expect(events.length).toBeGreaterThan(2); // chunks to check, not just [DONE]
    const nullableFinish = (schema: Record<string, unknown>): void => {
      const def = (schema.$defs as Record<string, { properties: Record<string, { items: { properties: Record<string, unknown>; required: string[] } }> }>).CreateCompletionResponse!;
      const choice = def.properties.choices!.items;
      choice.properties.finish_reason = { anyOf: [choice.properties.finish_reason, { type: 'null' }] };
      (def as unknown as { required: string[] }).required = ['id', 'object', 'created', 'model', 'choices'];
    };
    for (const event of events.slice(0, -1)) {
      const chunk = JSON.parse(event) as unknown;
      conform('POST', '/v1/completions', streamed, chunk);
      expect(openai.check('CreateCompletionResponse', chunk, nullableFinish)).toEqual([]);
    }
  });

  it('models', async () => {
    const list = await call('GET', '/v1/models');
    const listBody = JSON.parse(list.text) as unknown;
    conform('GET', '/v1/models', list, listBody);
    expect(openai.check('ListModelsResponse', listBody)).toEqual([]);
    const one = await call('GET', `/v1/models/${TEST_MODEL}`);
    const oneBody = JSON.parse(one.text) as unknown;
    conform('GET', '/v1/models/{model}', one, oneBody);
    expect(openai.check('Model', oneBody)).toEqual([]);
  });

  it('errors, each an OpenAI error envelope with its documented status', async () => {
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/v1/chat/completions', '{oops', 400],
      ['POST', '/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], n: 4 }, 400],
      ['POST', '/v1/chat/completions', { model: 'missing', messages: [{ role: 'user', content: 'x' }] }, 404],
      ['POST', '/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'x'.repeat(4096) }] }, 413],
      ['POST', '/v1/chat/completions', { model: 'broken', messages: [{ role: 'user', content: 'x' }] }, 502],
      ['POST', '/v1/completions', { model: 'empty', prompt: 'x' }, 503],
      ['GET', '/v1/completions', undefined, 405],
      ['GET', '/v1/models/missing', undefined, 404],
    ];
    for (const [method, url, body, status] of cases) {
      const r = await call(method, url, body);
      expect(r.response.status).toBe(status);
      const parsed = JSON.parse(r.text) as unknown;
      const path = url.startsWith('/v1/models/') ? '/v1/models/{model}' : url;
      conform(method === 'GET' && url === '/v1/completions' ? 'POST' : method, path, r, parsed);
      expect(openai.check('ErrorResponse', parsed)).toEqual([]);
    }
  });

  it('miners of a model, and the errors of /v1/miners', async () => {
    const listed = await call('GET', `/v1/miners?model=${TEST_MODEL}`);
    expect(listed.response.status).toBe(200);
    const body = JSON.parse(listed.text) as { data: unknown[]; source: unknown };
    conform('GET', '/v1/miners', listed, body);
    expect(body.source).toEqual({ kind: 'static', network: null, origin: 'config' });
    expect(body.data).toEqual([expect.objectContaining({ uid: 1, hotkey: healthy.hotkey, endpoint: `127.0.0.1:${healthy.port}`, eligible: true, validator_score: 1 })]);
    const empty = await call('GET', '/v1/miners?model=empty');
    conform('GET', '/v1/miners', empty, JSON.parse(empty.text));
    for (const [url, status] of [['/v1/miners', 400], ['/v1/miners?model=missing', 404]] as const) {
      const r = await call('GET', url);
      expect(r.response.status).toBe(status);
      conform('GET', '/v1/miners', r, JSON.parse(r.text));
      expect(openai.check('ErrorResponse', JSON.parse(r.text))).toEqual([]);
    }
    const wrong = await call('POST', '/v1/miners?model=x', {});
    expect(wrong.response.status).toBe(405);
    conform('GET', '/v1/miners', wrong, JSON.parse(wrong.text));
  });

  it('operations endpoints', async () => {
    const health = await call('GET', '/healthz');
    conform('GET', '/healthz', health, JSON.parse(health.text));
    const ready = await call('GET', '/readyz');
    expect(ready.response.status).toBe(503); // the 'empty' model has no miners
    conform('GET', '/readyz', ready, JSON.parse(ready.text));
    const metrics = await call('GET', '/metrics');
    conform('GET', '/metrics', metrics, metrics.text);
  });
});
