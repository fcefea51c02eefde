import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

describe('request ids, logs and metrics', () => {
  let good: ScriptedMiner;
  let bad: ScriptedMiner;
  let gw: TestGateway;
  const body = JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] });

  beforeAll(async () => {
    bad = await startScriptedMiner(1, { kind: 'status', status: 500, body: { message: 'secret internal miner text' } });
    good = await startScriptedMiner(2);
    gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([bad, good]) } });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([good.close(), bad.close()]);
  });

  it("echoes the client's x-request-id and makes one up otherwise", async () => {
    const mine = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body, headers: { 'x-request-id': 'client-req-42' } });
    expect(mine.headers.get('x-request-id')).toBe('client-req-42');
    const made = await fetch(`${gw.url}/v1/models`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces\tand tabs' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const error = await fetch(`${gw.url}/nowhere`, { headers: { 'x-request-id': 'err-1' } });
    expect(error.headers.get('x-request-id')).toBe('err-1');
  });

  it('writes JSON logs that carry the request id, without miner text or credentials', async () => {
    await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body, headers: { 'x-request-id': 'log-me', authorization: 'Bearer sk-very-secret' } });
    await new Promise((r) => setTimeout(r, 50));
    const lines = gw.logs.filter((l) => l.reqId === 'log-me');
    expect(lines.some((l) => l.msg === 'request' && l.status === 200 && l.route === '/v1/chat/completions')).toBe(true);
    const text = JSON.stringify(gw.logs);
    expect(text).not.toContain('sk-very-secret');
    expect(text).not.toContain('secret internal miner text');
  });

  it('exports Prometheus metrics with conventional names', async () => {
    await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body });
    const response = await fetch(`${gw.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/taogate_http_requests_total\{route="\/v1\/chat\/completions",method="POST",status="200"\} \d+/);
    expect(text).toMatch(/taogate_http_request_duration_seconds_bucket\{le="0\.005",route="\/v1\/chat\/completions",method="POST"\}/);
    expect(text).toMatch(/taogate_miner_requests_total\{model="test-model",outcome="ok"\} \d+/);
    expect(text).toMatch(/taogate_miner_requests_total\{model="test-model",outcome="http_error"\} \d+/);
    expect(text).toContain('taogate_miner_request_duration_seconds_bucket');
    expect(text).toMatch(/taogate_fanout_miners_asked_count\{model="test-model",strategy="[a-z-]+"\} [1-9]/);
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).not.toMatch(/route="\/nowhere"/);
    // Per-miner gauges, bounded to the busiest miners of each model.
    expect(text).toMatch(/taogate_miner_score\{model="test-model",uid="2",hotkey="scripted-miner-2"\} 0\.\d+/);
    expect(text).toMatch(/taogate_miner_success_ratio\{model="test-model",uid="1",hotkey="scripted-miner-1"\} 0/);
    expect(text).toMatch(/taogate_miner_latency_seconds\{model="test-model",uid="2",hotkey="scripted-miner-2"\}/);
  });

  it('reports health and readiness', async () => {
    expect(await (await fetch(`${gw.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json() as { checks: Record<string, { ok: boolean }> }).checks[`model:${TEST_MODEL}`]!.ok).toBe(true);
  });
});

describe('readiness without miners', () => {
  it('is 503 with the reason, as an error envelope', async () => {
    const gw = await startTestGateway({ models: { empty: { netuid: 3, source: { type: 'static', miners: [] } } } });
    try {
      const response = await fetch(`${gw.url}/readyz`);
      expect(response.status).toBe(503);
      const body = await response.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe('service_unavailable');
      expect(body.error.message).toContain('model:empty: no eligible miners');
      const chat = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'empty', messages: [{ role: 'user', content: 'x' }] }) });
      expect(chat.status).toBe(503);
      expect((await chat.json() as { error: { code: string } }).error.code).toBe('no_eligible_miners');
    } finally {
      await gw.stop();
    }
  });
});
