import { Pool } from 'undici';
import { answerFor } from '../src/miner/referenceMiner.js';
import { seededRandom } from '../src/routing/clock.js';
import { startGatewayProcess } from './lib/gatewayProcess.js';
import { percentile } from './lib/load.js';
import { startProcess } from './lib/processes.js';
import { printTable } from './lib/table.js';

interface SubnetMiner { uid: number; kind: string; port: number; medianMs: number; validatorScore: number }
interface Outcome { ms: number; ok: boolean; correct: boolean; minerRequests: number }

const ROOT = new URL('../', import.meta.url).pathname;

/**
 * Issue 5's benchmark. One local subnet of 20 miners with heavy-tailed latency (lognormal,
 * 5% of answers 20x slower), 3 liars (fast, fluent, wrong) and 2 that mostly answer empty.
 * The same request stream goes through three policies:
 *   (a) one random miner per request;
 *   (b) SN1's validator policy: five random miners at once, the first non-empty answer wins;
 *   (c) taogate (hedge, k=2), as a real gateway process.
 * A warm-up (not measured) lets taogate learn; the baselines don't learn anything.
 */
export async function runRoutingBench(options: { requests?: number; warmup?: number; concurrency?: number } = {}): Promise<Record<string, unknown>> {
  const requests = options.requests ?? 600;
  const warmup = options.warmup ?? 200;
  const concurrency = options.concurrency ?? 8;
  const subnetProc = await startProcess(['--import', 'tsx', `${ROOT}bench/servers/heavyTailSubnet.ts`, '7'], { core: 0, readyPattern: /subnet (.+)\n/ });
  const miners = JSON.parse(subnetProc.ready[1]!) as SubnetMiner[];
  const gateway = await startGatewayProcess({
    log: { level: 'warn' },
    server: { requestTimeoutMs: 10_000 },
    models: {
      subnet: {
        netuid: 1, protocol: 'openai',
        source: { type: 'static', miners: miners.map((m) => ({ uid: m.uid, hotkey: `miner-${m.uid}`, host: '127.0.0.1', port: m.port, score: Number(m.validatorScore.toFixed(3)) })) },
        fanout: { strategy: 'hedge', k: 2, retries: 2 },
        timeouts: { connectMs: 1_000, firstByteMs: 8_000, idleMs: 5_000, totalMs: 10_000 },
      },
    },
  }, 1);
  const pools = new Map(miners.map((m) => [m.port, new Pool(`http://127.0.0.1:${m.port}`, { connections: 64 })]));
  const gatewayPool = new Pool(gateway.url, { connections: 64 });
  const random = seededRandom(99);
  const body = (i: number) => ({ model: 'subnet', messages: [{ role: 'user', content: `Question number ${i}: what is the answer?` }] });
  const expectedText = (i: number) => answerFor('chat', body(i), { answerWords: 12 }).pieces.join('');

  const callMiner = async (miner: SubnetMiner, i: number, signal?: AbortSignal): Promise<string | undefined> => {
    const res = await pools.get(miner.port)!.request({ path: '/v1/chat/completions', method: 'POST', body: JSON.stringify(body(i)), headers: { 'content-type': 'application/json' }, ...(signal ? { signal } : {}) });
    const json = await res.body.json() as { choices?: Array<{ message?: { content?: string } }> };
    const text = json.choices?.[0]?.message?.content;
    return typeof text === 'string' && text.trim().length > 0 ? text : undefined;
  };
  const pickRandom = (n: number): SubnetMiner[] => {
    const copy = [...miners];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  };

  const policies: Record<string, (i: number) => Promise<Outcome>> = {
    '(a) one random miner': async (i) => {
      const started = performance.now();
      const text = await callMiner(pickRandom(1)[0]!, i).catch(() => undefined);
      return { ms: performance.now() - started, ok: text !== undefined, correct: text === expectedText(i), minerRequests: 1 };
    },
    '(b) SN1: 5 random, first wins': async (i) => {
      const started = performance.now();
      const controller = new AbortController();
      const five = pickRandom(5);
      const text = await new Promise<string | undefined>((resolve) => {
        let pending = five.length;
        for (const miner of five) {
          callMiner(miner, i, controller.signal).then((t) => {
            if (t !== undefined) resolve(t);
          }, () => {}).finally(() => {
            if (--pending === 0) resolve(undefined);
          });
        }
      });
      controller.abort();
      return { ms: performance.now() - started, ok: text !== undefined, correct: text === expectedText(i), minerRequests: 5 };
    },
    '(c) taogate (hedge, k=2)': async (i) => {
      const started = performance.now();
      try {
        const res = await gatewayPool.request({ path: '/v1/chat/completions', method: 'POST', body: JSON.stringify(body(i)), headers: { 'content-type': 'application/json' } });
        const json = await res.body.json() as { choices?: Array<{ message?: { content?: string } }> };
        const text = res.statusCode === 200 ? json.choices?.[0]?.message?.content : undefined;
        const asked = Number(res.headers['x-taogate-miners-asked'] ?? 1);
        return { ms: performance.now() - started, ok: text !== undefined, correct: text === expectedText(i), minerRequests: asked };
      } catch {
        return { ms: performance.now() - started, ok: false, correct: false, minerRequests: 0 };
      }
    },
  };

  const rows: Array<Record<string, string | number>> = [];
  const results: Record<string, unknown> = {};
  try {
    for (const [name, policy] of Object.entries(policies)) {
      await runConcurrent(warmup, concurrency, (i) => policy(1_000_000 + i));
      const outcomes = await runConcurrent(requests, concurrency, (i) => policy(i));
      const latencies = outcomes.map((o) => o.ms);
      const row = {
        policy: name,
        'p50 ms': percentile(latencies, 50),
        'p99 ms': percentile(latencies, 99),
        'errors %': (100 * outcomes.filter((o) => !o.ok).length) / outcomes.length,
        'correct %': (100 * outcomes.filter((o) => o.correct).length) / outcomes.length,
        'miner req / request': outcomes.reduce((n, o) => n + o.minerRequests, 0) / outcomes.length,
      };
      rows.push(row);
      results[name] = row;
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
    await gatewayPool.close();
    await Promise.all([gateway.stop(), subnetProc.stop()]);
  }
  printTable(`Routing policies on a heavy-tailed subnet (20 miners: 3 liars, 2 mostly empty; ${requests} requests after ${warmup} warm-up, ${concurrency} concurrent)`, rows);
  const [a, b, c] = rows as Array<Record<string, number>>;
  process.stdout.write(`taogate p99 = ${(c!['p99 ms']! / a!['p99 ms']!).toFixed(2)} x random-1's (goal <= 0.5); correct ${c!['correct %']!.toFixed(1)}% vs SN1 ${b!['correct %']!.toFixed(1)}% (goal >=); ${c!['miner req / request']!.toFixed(2)} miner requests per request (goal <= 2)\n`);
  return results;
}

async function runConcurrent(total: number, concurrency: number, task: (i: number) => Promise<Outcome>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      outcomes.push(await task(i));
    }
  }));
  return outcomes;
}
