// The floor for a cache hit on taogate's stack: Hono on @hono/node-server reading and parsing
// each request's JSON body and answering with a fixed JSON answer (the miner's, fetched once at
// start), and nothing else. `tsx bench/servers/honoFixedAnswer.ts <miner port>`
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';

const minerAnswer = await fetch(`http://127.0.0.1:${process.argv[2]}/v1/chat/completions`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'benchmark prompt' }] }),
});
const answer = await minerAnswer.text();
const app = new Hono();
app.post('/v1/chat/completions', async (c) => {
  JSON.parse(await c.req.text());
  return new Response(answer, { headers: { 'content-type': 'application/json' } });
});
const server = createAdaptorServer({ fetch: app.fetch });
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
