import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFor } from '../src/miner/referenceMiner.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';
import { GATEWAY_ADDRESS, GATEWAY_SECRETS, gatewayIdentity, startVerifyingMiner } from './support/signing.js';

const messages = [{ role: 'user' as const, content: 'Which subnet serves text?' }];
const expected = answerFor('chat', { model: TEST_MODEL, messages }).pieces.join('');

describe('the gateway signs with Epistula and reference miners accept it, over real HTTP', () => {
  let miners: Array<Awaited<ReturnType<typeof startVerifyingMiner>>>;
  let inspector: ScriptedMiner;
  let gw: TestGateway;

  beforeAll(async () => {
    miners = await Promise.all([1, 2].map((uid) => startVerifyingMiner(uid)));
    inspector = await startScriptedMiner(3, { kind: 'ok' }, { epistula: { allow: [GATEWAY_ADDRESS] } });
    gw = await startTestGateway({
      identity: gatewayIdentity(),
      models: {
        [TEST_MODEL]: staticModel(miners, { protocol: 'epistula' }),
        targon: staticModel([inspector], { protocol: 'epistula', upstreamModel: 'org/model-7b', headers: { 'X-Targon-Model': 'org/model-7b' } }),
      },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([...miners.map((m) => m.close()), inspector.close()]);
  });

  it('answers a chat completion through a verifying miner', async () => {
    const reply = await gw.client.chat.completions.create({ model: TEST_MODEL, messages });
    expect(reply.choices[0]!.message.content).toBe(expected);
    expect(reply.choices[0]!.finish_reason).toBe('stop');
  });

  it('streams a chat completion through a verifying miner', async () => {
    const stream = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(expected);
    expect(finish).toBe('stop');
  });

  it('answers legacy completions, whole and streamed', async () => {
    const prompt = 'Once upon a block';
    const text = answerFor('completions', { model: TEST_MODEL, prompt }).pieces.join('');
    const whole = await gw.client.completions.create({ model: TEST_MODEL, prompt });
    expect(whole.choices[0]!.text).toBe(text);
    let streamed = '';
    for await (const chunk of await gw.client.completions.create({ model: TEST_MODEL, prompt, stream: true })) streamed += chunk.choices[0]?.text ?? '';
    expect(streamed).toBe(text);
  });

  it('signs for the miner it calls, with the model header and the time left', async () => {
    await gw.client.chat.completions.create({ model: 'targon', messages });
    const sent = inspector.requests.at(-1)!;
    expect(sent.verdict).toEqual({ ok: true, signer: GATEWAY_ADDRESS });
    expect(sent.headers['epistula-signed-for']).toBe(inspector.hotkey);
    expect(sent.headers['epistula-signed-by']).toBe(GATEWAY_ADDRESS);
    expect(sent.headers['x-targon-model']).toBe('org/model-7b');
    expect(sent.body.model).toBe('org/model-7b');
    const timeout = Number(sent.headers['x-client-timeout']);
    expect(Number.isInteger(timeout)).toBe(true);
    expect(timeout).toBeGreaterThan(0);
    expect(timeout).toBeLessThanOrEqual(5); // the model's totalMs
  });

  it('shows its hotkey address in /readyz and at start-up, and its secret nowhere', async () => {
    const ready = await (await fetch(`${gw.url}/readyz`)).json() as Record<string, unknown>;
    expect(ready.hotkey).toBe(GATEWAY_ADDRESS);
    expect((ready.checks as Record<string, { ok: boolean }>).identity).toEqual({ ok: true });
    expect(gw.logs.find((l) => l.msg === 'gateway hotkey loaded')?.hotkey).toBe(GATEWAY_ADDRESS);

    const outputs = [
      JSON.stringify(gw.logs),
      JSON.stringify(ready),
      await (await fetch(`${gw.url}/metrics`)).text(),
      await (await fetch(`${gw.url}/v1/models`)).text(),
      JSON.stringify(await gw.client.chat.completions.create({ model: TEST_MODEL, messages })),
    ].join('\n');
    for (const secret of GATEWAY_SECRETS) expect(outputs).not.toContain(secret);
    expect(JSON.stringify(gw.logs)).toContain('"mnemonic":"[redacted]"');
  });
});
