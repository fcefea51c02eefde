import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { createAddressGuard, createGuardedConnector } from '../src/net/addressGuard.js';

let server: Server;
let port: number;
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => { hits += 1; res.end('ok'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });

async function get(agent: Agent, url: string): Promise<string> {
  const res = await request(url, { dispatcher: agent });
  return await res.body.text();
}

describe('guarded connector', () => {
  it('refuses a loopback miner by default, with ERR_ADDRESS_BLOCKED, and never connects', async () => {
    const agent = new Agent({ connect: createGuardedConnector(createAddressGuard()) });
    const before = hits;
    const error = await get(agent, `http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_ADDRESS_BLOCKED', reason: 'loopback address 127.0.0.1' });
    expect(hits).toBe(before);
    await agent.close();
  });

  it('reaches the same server once 127.0.0.0/8 is allowed', async () => {
    const agent = new Agent({ connect: createGuardedConnector(createAddressGuard({ allowCidrs: ['127.0.0.0/8'] })) });
    expect(await get(agent, `http://127.0.0.1:${port}/`)).toBe('ok');
    await agent.close();
  });

  it('checks resolved host names: localhost is loopback', async () => {
    const agent = new Agent({ connect: createGuardedConnector(createAddressGuard()) });
    const error = await get(agent, `http://localhost:${port}/`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_ADDRESS_BLOCKED' });
    expect((error as Error).message).toMatch(/^connection to localhost \((127\.0\.0\.1|::1)\) blocked: loopback address/);
    await agent.close();
  });

  it('refuses a name that rebinds to a private address among public ones', async () => {
    const resolved: string[] = [];
    // A resolver answering a public address first and a loopback one second (DNS rebinding).
    const rebinding = ((hostname: string, _options: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) => {
      resolved.push(hostname);
      callback(null, [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }]);
    }) as never;
    const agent = new Agent({ connect: createGuardedConnector(createAddressGuard(), { lookup: rebinding }) });
    const before = hits;
    const error = await get(agent, `http://miner.example:${port}/`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_ADDRESS_BLOCKED', address: '127.0.0.1', host: 'miner.example' });
    expect(resolved).toEqual(['miner.example']);
    expect(hits).toBe(before);
    await agent.close();
  });

  it('lets an allowed name through the guarded resolver', async () => {
    const toLoopback = ((_h: string, _o: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) => {
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    }) as never;
    const agent = new Agent({
      connect: createGuardedConnector(createAddressGuard({ allowCidrs: ['127.0.0.0/8'] }), { lookup: toLoopback }),
    });
    expect(await get(agent, `http://miner.example:${port}/`)).toBe('ok');
    await agent.close();
  });

  it('refuses IPv6 literals in brackets and mapped forms', async () => {
    const agent = new Agent({ connect: createGuardedConnector(createAddressGuard()) });
    for (const host of ['[::1]', '[::ffff:127.0.0.1]', '[::ffff:a9fe:a9fe]']) {
      const error = await get(agent, `http://${host}:${port}/`).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_ADDRESS_BLOCKED' });
    }
    await agent.close();
  });

  it('will not be built with a Unix socket path', () => {
    expect(() => createGuardedConnector(createAddressGuard(), { socketPath: '/tmp/x.sock' })).toThrow(/socketPath/);
  });
});
