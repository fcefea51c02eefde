// A local reference miner for benchmarks: `tsx bench/servers/miner.ts [words] [tokenDelayMs]`.
import { startReferenceMiner } from '../../src/miner/referenceMiner.js';

const words = Number(process.argv[2] ?? 16);
const tokenDelayMs = Number(process.argv[3] ?? 0);
const miner = await startReferenceMiner({ answerWords: words, tokenDelayMs });
process.stdout.write(`listening ${miner.port}\n`);
process.on('SIGTERM', () => void miner.close().then(() => process.exit(0)));
