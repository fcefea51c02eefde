import { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answerFor } from '../src/miner/referenceMiner.js';
import { axonBodyHash } from '../src/protocols/axon.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedAxon, type ScriptedAxon } from './support/scriptedAxon.js';
import { GATEWAY_ADDRESS, gatewayIdentity, startVerifyingMiner } from './support/signing.js';

const SN1 = { protocol: 'axon', axon: { preset: 'sn1-stream-prompting' } };
const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'What does an axon do?' },
];
const expected = answerFor('chat', { messages }).pieces.join('');

async function streamText(gw: TestGateway, model: string, pieces: string[] = []): Promise<{ text: string; finish: string | null }> {
  let text = '';
  let finish: string | null = null;
  for await (const chunk of await gw.client.chat.completions.create({ model, messages, stream: true })) {
    const piece = chunk.choices[0]?.delta.content ?? '';
    if (piece.length > 0) pieces.push(piece);
    text += piece;
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  return { text, finish };
}

describe('the gateway speaks SN1 StreamPromptingSynapse to reference miners, over real HTTP', () => {
  let miners: Array<Awaited<ReturnType<typeof startVerifyingMiner>>>;
  let gw: TestGateway;

  beforeAll(async () => {
    miners = await Promise.all([1, 2].map((uid) => startVerifyingMiner(uid, { axon: true, tokenDelayMs: 1 })));
    gw = await startTestGateway({ identity: gatewayIdentity(), models: { [TEST_MODEL]: staticModel(miners, SN1) } });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all(miners.map((m) => m.close()));
  });

  it('answers a chat completion from the streamed synapse', async () => {
    const reply = await gw.client.chat.completions.create({ model: TEST_MODEL, messages });
    expect(reply.object).toBe('chat.completion');
    expect(reply.choices[0]!.message.content).toBe(expected);
    expect(reply.choices[0]!.finish_reason).toBe('stop');
    expect(reply.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('streams a chat completion, finishing with stop when the response ended', async () => {
    expect(await streamText(gw, TEST_MODEL)).toEqual({ text: expected, finish: 'stop' });
  });

  it('maps a completions prompt to a single user message', async () => {
    const prompt = 'Tell me about dendrites';
    const text = answerFor('chat', { messages: [{ role: 'user', content: prompt }] }).pieces.join('');
    const whole = await gw.client.completions.create({ model: TEST_MODEL, prompt });
    expect(whole.object).toBe('text_completion');
    expect(whole.choices[0]!.text).toBe(text);
    let streamed = '';
    for await (const chunk of await gw.client.completions.create({ model: TEST_MODEL, prompt, stream: true })) streamed += chunk.choices[0]?.text ?? '';
    expect(streamed).toBe(text);
  });
});

describe('axon wire details, against scripted axons', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((fn) => fn()));
  });
  async function setup(...axons: ScriptedAxon[]): Promise<TestGateway> {
    const gw = await startTestGateway({ identity: gatewayIdentity(), models: { [TEST_MODEL]: staticModel(axons, SN1) } });
    cleanup.push(() => gw.stop(), ...axons.map((a) => () => a.close()));
    return gw;
  }

  it('sends the mapped synapse with a body hash, input headers and increasing nonces', async () => {
    const axon = await startScriptedAxon(1, { kind: 'chunks', chunks: [Buffer.from('ok')] }, { allow: [GATEWAY_ADDRESS] });
    const gw = await setup(axon);
    await gw.client.chat.completions.create({ model: TEST_MODEL, messages });
    await gw.client.chat.completions.create({ model: TEST_MODEL, messages });
    const [first, second] = axon.requests;
    expect(first!.verdict.ok).toBe(true);
    expect(first!.body).toMatchObject({
      name: 'StreamPromptingSynapse',
      roles: ['system', 'user'],
      messages: ['You are terse.', 'What does an axon do?'],
      completion: '',
    });
    expect(first!.headers.computed_body_hash).toBe(axonBodyHash({ messages: first!.body.messages }, ['messages']));
    expect(first!.headers.bt_header_input_obj_roles).toBe('W10=');
    expect(first!.headers.bt_header_input_obj_messages).toBe('W10=');
    expect(first!.headers.bt_header_axon_hotkey).toBe(axon.hotkey);
    expect(first!.headers.bt_header_dendrite_hotkey).toBe(GATEWAY_ADDRESS);
    expect(second!.headers.bt_header_dendrite_uuid).toBe(first!.headers.bt_header_dendrite_uuid);
    expect(BigInt(String(second!.headers.bt_header_dendrite_nonce))).toBeGreaterThan(BigInt(String(first!.headers.bt_header_dendrite_nonce)));
    expect(Number(first!.headers.timeout)).toBeGreaterThan(0);
  });

  it('decodes UTF-8 characters split across stream chunks', async () => {
    const text = 'Grüße, 世界! 🌍 done';
    const bytes = Buffer.from(text, 'utf8');
    // Cut inside "ü" (2 bytes), "世" (3 bytes) and the emoji (4 bytes).
    const cuts = [3, bytes.indexOf(Buffer.from('世')) + 1, bytes.indexOf(Buffer.from('🌍')) + 2, bytes.indexOf(Buffer.from('🌍')) + 3];
    const chunks = [0, ...cuts].map((start, i) => bytes.subarray(start, cuts[i] ?? bytes.length));
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    const axon = await startScriptedAxon(1, { kind: 'chunks', chunks }, { allow: [GATEWAY_ADDRESS] });
    const gw = await setup(axon);
    const pieces: string[] = [];
    expect(await streamText(gw, TEST_MODEL, pieces)).toEqual({ text, finish: 'stop' });
    // The bytes really arrived split: each piece is what one chunk decoded to.
    expect(pieces.length).toBeGreaterThanOrEqual(4);
    expect(pieces[0]).toBe('Gr');
    expect((await gw.client.chat.completions.create({ model: TEST_MODEL, messages })).choices[0]!.message.content).toBe(text);
  });

  it('treats a stream cut before the response ended as truncated, and asks another miner', async () => {
    const cut = await startScriptedAxon(1, { kind: 'cut', chunks: [Buffer.from('partial ')] }, { allow: [GATEWAY_ADDRESS] });
    const good = await startScriptedAxon(2, { kind: 'chunks', chunks: [Buffer.from('whole answer')] }, { allow: [GATEWAY_ADDRESS] });
    const gw = await setup(cut, good);
    const { data, response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe('whole answer');
    expect(response.headers.get('x-taogate-miners-asked')).toBe('2');
    expect(gw.logs.some((l) => l.msg === 'miner call failed' && l.code === 'truncated' && l.uid === 1)).toBe(true);
  });

  it('a cut after the stream was committed ends the client stream with an error, never a finish', async () => {
    const cut = await startScriptedAxon(1, { kind: 'cut', chunks: [Buffer.from('partial ')] }, { allow: [GATEWAY_ADDRESS] });
    const gw = await setup(cut);
    let text = '';
    let finish: string | null = null;
    const failure = await (async () => {
      for await (const chunk of await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true })) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
    })().catch((error: unknown) => error);
    expect(text).toBe('partial ');
    expect(finish).toBeNull();
    expect(failure).toBeInstanceOf(Error);
  });

  it('reads the answer from a synapse returned as JSON', async () => {
    const axon = await startScriptedAxon(1, { kind: 'json', fields: { completion: 'from the synapse' } }, { allow: [GATEWAY_ADDRESS] });
    const gw = await setup(axon);
    expect((await gw.client.chat.completions.create({ model: TEST_MODEL, messages })).choices[0]!.message.content).toBe('from the synapse');
  });

  it('a blacklisted (403) gateway is tried on another axon; every axon refusing gives a clean 502', async () => {
    const refusing = await startScriptedAxon(1, { kind: 'chunks', chunks: [Buffer.from('never')] }, { allow: [] });
    const good = await startScriptedAxon(2, { kind: 'chunks', chunks: [Buffer.from('served')] }, { allow: [GATEWAY_ADDRESS] });
    const gw = await setup(refusing, good);
    const { data, response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe('served');
    expect(response.headers.get('x-taogate-miners-asked')).toBe('2');
    expect(refusing.requests[0]!.verdict).toMatchObject({ ok: false, status: 403 });

    const alone = await startScriptedAxon(3, { kind: 'chunks', chunks: [Buffer.from('never')] }, { allow: [] });
    const gw2 = await setup(alone);
    const error = await gw2.client.chat.completions.create({ model: TEST_MODEL, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(502);
    expect((error as APIError).code).toBe('miner_rejected_request');
    expect((error as APIError).message).not.toContain('blacklisted');
  });
});
