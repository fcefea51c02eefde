// `npm run bench [-- section ...]`: every benchmark of the project, one after the other, on
// this machine. Results are printed as tables and written to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { printMetagraphBench, runMetagraphBench } from './metagraph.js';
import { runProxyOverheadBench } from './proxyOverhead.js';
import { runRoutingBench } from './routingPolicies.js';
import { runSigningBench } from './signing.js';
import { runCacheBench } from './cacheHit.js';
import { runLoggingBench } from './logging.js';

type Section = { name: string; description: string; run: () => Promise<unknown> };

const SECTIONS: Section[] = [
  { name: 'proxy', description: 'gateway vs direct miner vs bare node:http proxy', run: () => runProxyOverheadBench() },
  { name: 'signing', description: 'sr25519 µs per signature; gateway throughput with signing on and off', run: () => runSigningBench() },
  { name: 'routing', description: 'taogate vs one random miner vs SN1 policy on a heavy-tailed subnet', run: () => runRoutingBench() },
  { name: 'metagraph', description: 'SN1 metagraph refresh (1024 neurons) and the event-loop delay it causes', run: async () => {
    const result = await runMetagraphBench();
    printMetagraphBench(result);
    return result;
  } },
  { name: 'logging', description: 'CPU per access-log line: pino with its own destination and with taogate\'s batched one', run: () => runLoggingBench() },
  { name: 'cache', description: 'cache hits (memory, Redis) vs the bare proxy; the Redis path on misses', run: () => runCacheBench() },
];

const wanted = process.argv.slice(2);
const chosen = wanted.length === 0 ? SECTIONS : SECTIONS.filter((s) => wanted.includes(s.name));
if (chosen.length === 0) {
  process.stderr.write(`unknown section(s): ${wanted.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}
const results: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, startedAt: new Date().toISOString() };
for (const section of chosen) {
  process.stdout.write(`\n=== ${section.name}: ${section.description} ===\n`);
  results[section.name] = await section.run();
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(results, null, 2));
process.stdout.write('\nresults written to bench/results/latest.json\n');
// Everything is measured and written: do not wait on whatever a library left scheduled.
process.exit(0);
