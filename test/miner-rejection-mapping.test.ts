import { APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedMiner, type Behaviour, type ScriptedMiner, type ScriptedMinerOptions } from './support/scriptedMiner.js';
import { GATEWAY_ADDRESS, gatewayIdentity } from './support/signing.js';

const messages = [{ role: 'user' as const, content: 'Are you there?' }];
const verifying: ScriptedMinerOptions = { epistula: { allow: [GATEWAY_ADDRESS] } };

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.map((fn) => fn()));
  cleanup = [];
});

async function gatewayFor(miners: ScriptedMiner[], listed: Array<Pick<ScriptedMiner, 'uid' | 'hotkey' | 'port'>> = miners): Promise<TestGateway> {
  const gw = await startTestGateway({ identity: gatewayIdentity(), models: { [TEST_MODEL]: staticModel(listed, { protocol: 'epistula', fanout: { retries: 2 } }) } });
  cleanup.push(() => gw.stop(), ...miners.map((m) => () => m.close()));
  return gw;
}

async function rejection(gw: TestGateway): Promise<APIError> {
  const error = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(APIError);
  return error as APIError;
}

/** What a client must see when a miner refused the request itself: a clean 502, nothing of the miner's text. */
function expectMalformedRejection(error: APIError, minerText: string): void {
  expect(error.status).toBe(502);
  expect(error.code).toBe('miner_rejected_request');
  expect(error.message).toContain('not resent');
  expect(error.message).not.toContain(minerText);
}

const total = (miners: ScriptedMiner[]): number => miners.reduce((n, m) => n + m.requests.length, 0);

describe('the gateway maps miner rejections of signed requests', () => {
  it('a request signed for the wrong hotkey (400) is a clean 502 and is not resent', async () => {
    const miners = await Promise.all([1, 2, 3].map((uid) => startScriptedMiner(uid, { kind: 'ok' }, verifying)));
    // The gateway's list is out of date: each port now belongs to another hotkey.
    const listed = miners.map((m, i) => ({ uid: m.uid, port: m.port, hotkey: miners[(i + 1) % miners.length]!.hotkey }));
    const gw = await gatewayFor(miners, listed);
    expectMalformedRejection(await rejection(gw), 'Signed-For');
    expect(total(miners)).toBe(1);
    expect(miners.flatMap((m) => m.requests)[0]!.verdict).toMatchObject({ ok: false, status: 400 });
  });

  it('a stale timestamp (400, miner clock ahead) is a clean 502 and is not resent', async () => {
    const skewed: ScriptedMinerOptions = { epistula: { allow: [GATEWAY_ADDRESS], nowMs: () => Date.now() + 60_000 } };
    const miners = await Promise.all([1, 2].map((uid) => startScriptedMiner(uid, { kind: 'ok' }, skewed)));
    const gw = await gatewayFor(miners);
    expectMalformedRejection(await rejection(gw), 'stale');
    expect(total(miners)).toBe(1);
  });

  it('a replay refusal (409) is a clean 502 and is not resent', async () => {
    const replayed: Behaviour = { kind: 'status', status: 409, body: { message: 'replayed request: this Epistula-Uuid was already accepted' } };
    const miners = await Promise.all([1, 2].map((uid) => startScriptedMiner(uid, replayed, verifying)));
    const gw = await gatewayFor(miners);
    expectMalformedRejection(await rejection(gw), 'replayed');
    expect(total(miners)).toBe(1);
  });

  it('an unknown signer (401) is tried on another miner that serves the gateway', async () => {
    const refusing = await startScriptedMiner(1, { kind: 'ok' }, { epistula: { allow: [] } });
    const serving = await startScriptedMiner(2, { kind: 'ok' }, verifying);
    const gw = await gatewayFor([refusing, serving]);
    for (let i = 0; i < 3; i++) {
      const { data } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages }).withResponse();
      expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    }
    expect(refusing.requests.length).toBeGreaterThan(0);
    expect(refusing.requests.every((r) => r.verdict?.ok === false && r.verdict.status === 401)).toBe(true);
    expect(serving.requests).toHaveLength(3);
  });

  it('every miner refusing the signer is a 502 that says so, without their text', async () => {
    const miners = await Promise.all([1, 2].map((uid) => startScriptedMiner(uid, { kind: 'ok' }, { epistula: { allow: [] } })));
    const gw = await gatewayFor(miners);
    const error = await rejection(gw);
    expect(error.status).toBe(502);
    expect(error.code).toBe('miner_rejected_request');
    expect(error.message).toContain("refused this gateway's credentials");
    expect(error.message).not.toContain('not allowed');
    expect(total(miners)).toBe(2);
  });
});
