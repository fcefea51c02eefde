// The floor of taogate's stack, for the overhead benchmark: Hono on @hono/node-server and an
// undici pool to the miner, used the way taogate uses them (undici's dispatch API, streams
// written straight to the Node response), doing only what any gateway that does not pass a
// miner's bytes through must do: the request and the answer parsed and re-serialised as
// JSON, and a stream's events parsed and re-emitted one by one. No validation, routing,
// telemetry, metrics or logging. `tsx bench/servers/stackFloor.ts <miner port>`
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Pool, type Dispatcher } from 'undici';

const pool = new Pool(`http://127.0.0.1:${process.argv[2]}`, { keepAliveTimeout: 30_000, connections: 128 });
const HEADERS = { 'content-type': 'application/json' };

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => parts.push(chunk));
    incoming.on('end', () => resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts)));
    incoming.on('error', reject);
  });
}

/** One call to the miner; `onData` gets each body chunk as it arrives. */
function call(body: string, onData: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart() {},
      onResponseData: (_controller, chunk) => onData(chunk),
      onResponseEnd: () => resolve(),
      onResponseError: (_controller, error) => reject(error),
    };
    pool.dispatch({ path: '/v1/chat/completions', method: 'POST', headers: HEADERS, body }, handler);
  });
}

const app = new Hono<{ Bindings: { incoming: IncomingMessage; outgoing: ServerResponse } }>();
app.post('/v1/chat/completions', async (c) => {
  const request = JSON.parse((await readBody(c.env.incoming)).toString('utf8')) as Record<string, unknown>;
  if (request.stream !== true) {
    const parts: Buffer[] = [];
    await call(JSON.stringify(request), (chunk) => parts.push(chunk));
    const answer = JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
    return new Response(JSON.stringify(answer), { headers: HEADERS });
  }
  const outgoing = c.env.outgoing;
  outgoing.writeHead(200, { 'content-type': 'text/event-stream' });
  let rest = '';
  await call(JSON.stringify(request), (chunk) => {
    const events = (rest + chunk.toString('utf8')).split('\n\n');
    rest = events.pop()!;
    let text = '';
    for (const event of events) {
      const data = event.slice('data: '.length);
      if (data !== '[DONE]') text += `data: ${JSON.stringify(JSON.parse(data))}\n\n`;
    }
    if (text.length > 0) outgoing.write(text);
  });
  outgoing.end('data: [DONE]\n\n');
  return RESPONSE_ALREADY_SENT;
});
const server = createAdaptorServer({ fetch: app.fetch });
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
