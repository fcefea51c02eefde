import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';

/**
 * A client that stops reading must hold the miner back (through the gateway, by TCP), not
 * make the gateway buffer the miner's stream in memory; and when it goes away, the miner call
 * ends. The miner here streams without end, writing only when its socket takes more.
 */

const CHUNK = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'x'.repeat(900) }, logprobs: null, finish_reason: null }] })}\n\n`;

let miner: Server;
let gw: TestGateway;
const written = { bytes: 0, closed: false };

beforeAll(async () => {
  miner = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = (): void => {
        while (!res.destroyed) {
          written.bytes += CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => { written.closed = true; });
      pump();
    });
  });
  await new Promise<void>((resolve) => miner.listen(0, '127.0.0.1', resolve));
  const port = (miner.address() as AddressInfo).port;
  gw = await startTestGateway({
    models: { [TEST_MODEL]: staticModel([{ uid: 1, hotkey: 'endless', port }], { timeouts: { idleMs: 30_000, totalMs: 60_000 }, maxResponseBytes: 1024 * 1024 * 1024 }) },
  });
});
afterAll(async () => {
  await gw?.stop();
  miner?.closeAllConnections();
  await new Promise((resolve) => miner?.close(resolve));
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a client that stops reading a stream', () => {
  it('holds the miner back instead of filling the gateway, and ends the miner call when it leaves', async () => {
    const { port } = new URL(gw.url);
    const body = JSON.stringify({ model: TEST_MODEL, stream: true, messages: [{ role: 'user', content: 'go on forever' }] });
    const client: Socket = connect(Number(port), '127.0.0.1');
    let received = 0;
    client.on('data', (chunk: Buffer) => { received += chunk.length; });
    client.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await sleep(500);
    expect(received).toBeGreaterThan(0);
    // The client stops reading: socket buffers fill up, then the miner must be stalled.
    client.pause();
    await sleep(1_500);
    const stalledAt = written.bytes;
    await sleep(1_000);
    expect(written.bytes - stalledAt).toBeLessThan(1024 * 1024);
    // What the miner got out is bounded by the socket buffers on the way, not by its stream.
    expect(written.bytes).toBeLessThan(64 * 1024 * 1024);
    expect(written.closed).toBe(false);
    client.destroy();
    for (let i = 0; i < 40 && !written.closed; i++) await sleep(50);
    expect(written.closed).toBe(true);
  });
});
