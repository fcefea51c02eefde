// The cheapest possible OpenAI-compatible miner, for overhead benchmarks: precomputed answer
// bytes (whole or SSE), no parsing, so the load side of a benchmark is not its bottleneck.
// `tsx bench/servers/staticMiner.ts`
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerFor } from '../../src/miner/referenceMiner.js';

const answer = answerFor('chat', { model: 'bench', messages: [{ role: 'user', content: 'benchmark prompt' }] }, { answerWords: 16 });
const text = answer.pieces.join('');
const usage = { prompt_tokens: 3, completion_tokens: answer.completionTokens, total_tokens: 3 + answer.completionTokens };
const whole = Buffer.from(JSON.stringify({
  id: 'chatcmpl-static', object: 'chat.completion', created: 1, model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: 'stop' }], usage,
}));
const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-static', object: 'chat.completion.chunk', created: 1, model: 'bench', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
const sse = Buffer.from([
  chunk({ role: 'assistant', content: '' }, null),
  ...answer.pieces.map((piece) => chunk({ content: piece }, null)),
  chunk({}, 'stop'),
  `data: ${JSON.stringify({ id: 'chatcmpl-static', object: 'chat.completion.chunk', created: 1, model: 'bench', choices: [], usage })}\n\n`,
  'data: [DONE]\n\n',
].join(''));

const server = createServer((req, res) => {
  let streaming = false;
  req.on('data', (c: Buffer) => { if (!streaming && c.includes('"stream":true')) streaming = true; });
  req.on('end', () => {
    if (streaming) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': sse.length });
      res.end(sse);
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': whole.length });
      res.end(whole);
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
