// The floor of taogate's stack, for the overhead benchmark: Hono on @hono/node-server, an
// undici pool to the miner, the request and the answer parsed and re-serialised as JSON
// (streams piped through), and nothing else: no validation, routing, telemetry, logging.
// `tsx bench/servers/stackFloor.ts <miner port>`
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';

const origin = `http://127.0.0.1:${process.argv[2]}`;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
const app = new Hono();
app.post('/v1/chat/completions', async (c) => {
  const body = JSON.parse(await c.req.text()) as Record<string, unknown>;
  const res = await agent.request({ origin, path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (body.stream === true) return new Response(res.body as unknown as ReadableStream, { headers: { 'content-type': 'text/event-stream' } });
  const answer = JSON.parse(await res.body.text()) as unknown;
  return new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } });
});
const server = createAdaptorServer({ fetch: app.fetch });
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
