import { createConnection, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServerHandle } from '../src/lifecycle/httpServer.js';

/**
 * The HTTP server's drain, seen from raw keep-alive connections (what a load balancer holds):
 * an idle connection is not closed under the balancer's feet; a request written onto it while
 * draining is answered, with `Connection: close`; new connections are refused; an answer not
 * started yet when the drain began also closes its connection.
 */

let server: HttpServerHandle | undefined;
const sockets: Socket[] = [];
afterEach(() => {
  server?.kill();
  server = undefined;
  for (const s of sockets.splice(0)) s.destroy();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function start(): Promise<HttpServerHandle> {
  server = await startHttpServer(async (req) => {
    if (new URL(req.url).pathname === '/slow') await sleep(300);
    return new Response('ok');
  }, '127.0.0.1', 0);
  return server;
}

/** A raw keep-alive connection that sends requests one at a time and reads whole responses. */
async function connection(port: number): Promise<{ socket: Socket; closedAt: Promise<number>; get(path: string): Promise<{ status: number; connection: string | undefined }> }> {
  const socket = createConnection({ host: '127.0.0.1', port });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  socket.on('error', () => {});
  const closedAt = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  let buffer = '';
  let waiter: (() => void) | undefined;
  socket.on('data', (d: Buffer) => { buffer += d.toString(); waiter?.(); });
  return {
    socket,
    closedAt,
    async get(path) {
      buffer = '';
      socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
      // Responses here are small and fixed-length: wait for the head and the 2-byte body.
      while (!/\r\n\r\nok$/.test(buffer)) await new Promise<void>((resolve) => { waiter = resolve; });
      const head = buffer.split('\r\n\r\n')[0]!;
      return { status: Number(head.split(' ')[1]), connection: /\r\nconnection: ([^\r]+)/i.exec(head)?.[1]?.toLowerCase() };
    },
  };
}

async function refused(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}

describe('draining the HTTP server', () => {
  it('serves what arrives on open connections with Connection: close, and closes idle ones only after idleMs', async () => {
    const http = await start();
    const { port } = http.address();
    const reused = await connection(port);
    const idle = await connection(port);
    const inFlight = await connection(port);
    expect((await reused.get('/fast')).connection).toBe('keep-alive');
    expect((await idle.get('/fast')).connection).toBe('keep-alive');
    const slow = inFlight.get('/slow');
    await sleep(50); // the slow request is under way, its answer not started

    const startedAt = Date.now();
    const drained = http.drain({ deadlineMs: 5_000, idleMs: 600 });
    expect(await refused(port)).toBe(true);
    // A balancer writing onto a connection it had kept: answered, and told to close it.
    expect(await reused.get('/fast')).toEqual({ status: 200, connection: 'close' });
    expect(await slow).toEqual({ status: 200, connection: 'close' });
    // The idle connection was left open for idleMs (its client could have used it), then closed.
    const idleClosedAfter = (await idle.closedAt) - startedAt;
    expect(idleClosedAfter).toBeGreaterThanOrEqual(500);
    expect(idleClosedAfter).toBeLessThan(1_500);
    expect(await drained).toEqual({ drained: true, leftOver: 0 });
  });

  it('stops waiting at the deadline and reports what it cut', async () => {
    const http = await start();
    const { port } = http.address();
    const busy = await connection(port);
    void busy.get('/slow').catch(() => {});
    await sleep(50);
    const startedAt = Date.now();
    expect(await http.drain({ deadlineMs: 100, idleMs: 5_000 })).toEqual({ drained: false, leftOver: 1 });
    expect(Date.now() - startedAt).toBeLessThan(500);
    await busy.closedAt;
  });

  it('with idleMs 0, closes idle connections at once', async () => {
    const http = await start();
    const idle = await connection(http.address().port);
    await idle.get('/fast');
    const startedAt = Date.now();
    expect(await http.drain({ deadlineMs: 5_000, idleMs: 0 })).toEqual({ drained: true, leftOver: 0 });
    expect((await idle.closedAt) - startedAt).toBeLessThan(200);
  });
});
