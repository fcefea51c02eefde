import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL, demoConfig } from '../src/demo/demoConfig.js';
import { DEMO_MINERS, startLocalSubnet, throwawayHotkey, type LocalSubnet } from '../src/demo/localSubnet.js';
import { startTestGateway, type TestGateway } from './support/gatewayHarness.js';

describe('taogate demo signs its traffic', () => {
  let subnet: LocalSubnet;
  let gw: TestGateway;
  let gatewayAddress: string;

  beforeAll(async () => {
    const gateway = await throwawayHotkey();
    gatewayAddress = gateway.address;
    // The reliable miners only, so every request here must succeed.
    subnet = await startLocalSubnet(gateway.address, DEMO_MINERS.filter((m) => m.failureRate === 0 && m.latencyMs < 100));
    gw = await startTestGateway(demoConfig(subnet, 0, gateway.seed));
  });
  afterAll(async () => {
    await gw.stop();
    await subnet.stop();
  });

  it('answers through miners that verify the gateway\'s Epistula signatures', async () => {
    const reply = await gw.client.chat.completions.create({ model: DEMO_MODEL, messages: [{ role: 'user', content: 'Hello, subnet!' }] });
    expect(reply.choices[0]!.message.content!.length).toBeGreaterThan(0);
    const ready = await (await fetch(`${gw.url}/readyz`)).json() as { hotkey?: string };
    expect(ready.hotkey).toBe(gatewayAddress);
  });

  it('its miners have their own hotkeys and refuse unsigned requests', async () => {
    const hotkeys = new Set(subnet.miners.map((m) => m.hotkey));
    expect(hotkeys.size).toBe(subnet.miners.length);
    expect(hotkeys.has(gatewayAddress)).toBe(false);
    const response = await fetch(`${subnet.miners[0]!.handle.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: DEMO_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
  });
});
