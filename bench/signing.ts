import { measureTarget } from './lib/measure.js';
import { singleMinerModel, startGatewayProcess, startTsxServer } from './lib/gatewayProcess.js';
import { printTable } from './lib/table.js';
import { printSr25519Bench, runSr25519Bench } from './sr25519.js';

// A public test mnemonic (PROTOCOLS.md §5); never a real key.
const TEST_MNEMONIC = 'old leopard transfer rib spatial phone calm indicate online fire caution review';

/**
 * Issue 3's speed figures: µs per sr25519 signature and verification for each
 * implementation, and the gateway's throughput with signing on (protocol epistula: every
 * miner call signed over its exact body) and off (protocol openai), same miner, same load.
 */
export async function runSigningBench(options: { seconds?: number; connections?: number; sequential?: number } = {}): Promise<Record<string, unknown>> {
  const sr25519 = await runSr25519Bench();
  printSr25519Bench(sr25519);
  const measure = { seconds: options.seconds ?? 8, connections: options.connections ?? 32, sequential: options.sequential ?? 1_000 };
  const miner = await startTsxServer('bench/servers/staticMiner.ts', [], 0);
  const rows: Array<Record<string, string | number>> = [];
  try {
    for (const protocol of ['openai', 'epistula'] as const) {
      const gateway = await startGatewayProcess({ log: { level: 'info' }, models: { bench: singleMinerModel(miner.port, { protocol }) } }, 1, { TAOGATE_HOTKEY_MNEMONIC: TEST_MNEMONIC });
      try {
        const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'benchmark prompt' }] });
        rows.push({ signing: protocol === 'epistula' ? 'on (epistula)' : 'off (openai)', ...await measureTarget(`${gateway.url}/v1/chat/completions`, body, gateway, measure) });
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    await miner.stop();
  }
  printTable('Gateway with signing on and off (same miner; wrk -c32)', rows);
  return { sr25519, gateway: rows };
}
