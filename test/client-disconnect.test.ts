import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, staticModel, TEST_MODEL } from './support/gatewayHarness.js';
import { startScriptedMiner } from './support/scriptedMiner.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.map((fn) => fn()));
  cleanup = [];
});

describe('a client that goes away', () => {
  it('mid-stream cancels the miner request at once', async () => {
    const miner = await startScriptedMiner(1, { kind: 'ok', tokenDelayMs: 50, answerWords: 200 });
    const gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([miner], { timeouts: { totalMs: 30_000 } }) } });
    cleanup.push(() => gw.stop(), () => miner.close());
    const controller = new AbortController();
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', signal: controller.signal,
      body: JSON.stringify({ model: TEST_MODEL, stream: true, messages: [{ role: 'user', content: 'long story' }] }),
    });
    const reader = response.body!.getReader();
    await reader.read(); // the stream is flowing
    const abortedAt = Date.now();
    controller.abort();
    expect(await miner.waitForAbort(1_000)).toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    // The gateway is fine afterwards.
    const again = await gw.client.models.list();
    expect(again.data).toHaveLength(1);
  });

  it('while the gateway waits for a miner cancels that miner call too', async () => {
    const miner = await startScriptedMiner(1, { kind: 'hang' });
    const gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([miner], { timeouts: { firstByteMs: 10_000, totalMs: 30_000 } }) } });
    cleanup.push(() => gw.stop(), () => miner.close());
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', signal: controller.signal,
      body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hello' }] }),
    }).catch(() => 'aborted');
    while (miner.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(await pending).toBe('aborted');
    expect(await miner.waitForAbort(1_000)).toBe(true);
  });
});
