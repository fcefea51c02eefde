// A local subnet for the routing benchmark: `tsx bench/servers/heavyTailSubnet.ts <seed>`.
// Prints one JSON line describing its miners. Each miner answers with lognormal latency
// around its own median, 5% of answers are very slow (x20); some miners lie (a fluent but
// wrong answer, fast) and some often answer empty.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerFor } from '../../src/miner/referenceMiner.js';
import { writeJsonAnswer, type MinerAnswer } from '../../src/miner/completionWriter.js';
import { seededRandom } from '../../src/routing/clock.js';

export type MinerKind = 'honest' | 'liar' | 'empty';
const random = seededRandom(Number(process.argv[2] ?? 1));
const kinds: MinerKind[] = [...Array<MinerKind>(15).fill('honest'), 'liar', 'liar', 'liar', 'empty', 'empty'];

function lognormal(median: number, sigma: number): number {
  const u = Math.max(1e-9, random());
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * z);
}

const miners = await Promise.all(kinds.map(async (kind, uid) => {
  const median = kind === 'liar' ? 25 : 40 + random() * 80;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString()) as Record<string, unknown>;
      const verySlow = random() < 0.05;
      const delay = lognormal(median, 0.5) * (verySlow ? 20 : 1);
      setTimeout(() => {
        const answer: MinerAnswer = answerFor('chat', body, { answerWords: 12 });
        if (kind === 'liar') answer.pieces = ['The answer is 42, ', 'obviously, as everyone knows.'];
        if (kind === 'empty' && random() < 0.7) answer.pieces = [];
        writeJsonAnswer(res, answer);
      }, delay);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The chain's view: validators score honest miners higher on average, with overlap.
  const validatorScore = kind === 'honest' ? 0.4 + random() * 0.6 : kind === 'liar' ? 0.2 + random() * 0.4 : 0.1 + random() * 0.4;
  return { uid, kind, port: (server.address() as AddressInfo).port, medianMs: median, validatorScore };
}));
process.stdout.write(`subnet ${JSON.stringify(miners)}\n`);
process.on('SIGTERM', () => process.exit(0));
