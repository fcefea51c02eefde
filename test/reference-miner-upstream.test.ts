import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFor } from '../src/miner/referenceMiner.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { freePort } from './support/ports.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';
import { gatewayIdentity, startVerifyingMiner } from './support/signing.js';

const messages = [{ role: 'user' as const, content: 'Forward me' }];

/**
 * `taogate miner --upstream`: the reference miner verifies the gateway's signatures, then
 * forwards to an OpenAI-compatible server (played here by a plain scripted miner, standing in
 * for vLLM/Ollama/llama.cpp) and relays its answer, streams included.
 */
describe('the reference miner in front of an OpenAI-compatible upstream', () => {
  let upstream: ScriptedMiner;
  let epistulaMiner: Awaited<ReturnType<typeof startVerifyingMiner>>;
  let axonMiner: Awaited<ReturnType<typeof startVerifyingMiner>>;
  let deadMiner: Awaited<ReturnType<typeof startVerifyingMiner>>;
  let gw: TestGateway;
  const upstreamText = answerFor('chat', { model: 'served-model', messages }).pieces.join('');

  beforeAll(async () => {
    upstream = await startScriptedMiner(9, { kind: 'ok', tokenDelayMs: 1 });
    epistulaMiner = await startVerifyingMiner(1, { upstream: { url: `${upstream.url}/v1` } });
    axonMiner = await startVerifyingMiner(2, { axon: true, upstream: { url: `${upstream.url}/v1`, model: 'served-model' } });
    deadMiner = await startVerifyingMiner(3, { upstream: { url: `http://127.0.0.1:${await freePort()}/v1` } });
    gw = await startTestGateway({
      identity: gatewayIdentity(),
      models: {
        [TEST_MODEL]: staticModel([epistulaMiner], { protocol: 'epistula', upstreamModel: 'served-model' }),
        axon: staticModel([axonMiner], { protocol: 'axon', axon: { preset: 'sn1-stream-prompting' } }),
        dead: staticModel([deadMiner], { protocol: 'epistula', fanout: { retries: 0 } }),
      },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([upstream.close(), epistulaMiner.close(), axonMiner.close(), deadMiner.close()]);
  });

  it('forwards a whole chat completion with the signed bytes untouched', async () => {
    const reply = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, max_tokens: 50 });
    expect(reply.choices[0]!.message.content).toBe(upstreamText);
    const forwarded = upstream.requests.at(-1)!;
    expect(forwarded.body).toMatchObject({ model: 'served-model', messages, max_tokens: 50, stream: false });
    expect(forwarded.headers['epistula-request-signature']).toBeUndefined();
  });

  it('passes a stream through chunk by chunk', async () => {
    let text = '';
    let chunks = 0;
    for await (const chunk of await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? '';
      chunks++;
    }
    expect(text).toBe(upstreamText);
    expect(chunks).toBeGreaterThan(10);
  });

  it('serves the axon synapse from the upstream stream', async () => {
    const reply = await gw.client.chat.completions.create({ model: 'axon', messages });
    expect(reply.choices[0]!.message.content).toBe(upstreamText);
    expect(upstream.requests.at(-1)!.body).toMatchObject({ model: 'served-model', messages, stream: true });
  });

  it('answers 502 when the upstream is down, which the gateway reports as a miner error', async () => {
    const error = await gw.client.chat.completions.create({ model: 'dead', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(502);
    expect((error as APIError).code).toBe('miner_error');
  });
});
