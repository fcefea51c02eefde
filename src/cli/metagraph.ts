import { ConfigError } from '../config/load.js';
import { createLogger } from '../logging/logger.js';
import { createChainReader } from '../metagraph/chain/reader.js';
import { resolveChainEndpoint } from '../metagraph/chain/endpoints.js';
import { buildMinerSnapshot, type EligibilityPolicy } from '../metagraph/eligibility.js';
import type { ScoreSourceConfig } from '../metagraph/scores.js';
import { formatMinerTable } from '../metagraph/table.js';
import { createAddressGuard } from '../net/addressGuard.js';
import { parseCommandArgs } from './args.js';

export const METAGRAPH_USAGE = `usage: taogate metagraph --netuid N [options]

  reads one subnet's metagraph and prints its miners as the gateway would see them

    --netuid N                subnet to read (required)
    --network NAME|URL        finney (default), test, local, or a ws(s):// URL
    --all                     every neuron, excluded ones with the reason (default: eligible only)
    --sort uid|score          row order (default score)
    --limit N                 at most N rows
    --score-source SOURCE     incentive (default), consensus, dividends, or weights:<validator hotkey>
    --dedupe none|coldkey|ip  keep one miner per coldkey or IP (default none)
    --include-validators      do not exclude validators
    --allow-cidr CIDR         allow a non-public range, as network.allowCidrs (repeatable)
    --timeout-ms MS           connect and request timeout (default 15000)
`;

const OPTIONS = {
  netuid: { type: 'string' },
  network: { type: 'string' },
  all: { type: 'boolean' },
  sort: { type: 'string' },
  limit: { type: 'string' },
  'score-source': { type: 'string' },
  dedupe: { type: 'string' },
  'include-validators': { type: 'boolean' },
  'allow-cidr': { type: 'string', multiple: true },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw new ConfigError(`${flag} must be an integer in [${min}, ${max}]`);
  return value;
}

function scoreSource(text: string | undefined): ScoreSourceConfig {
  if (text === undefined) return 'incentive';
  if (text === 'incentive' || text === 'consensus' || text === 'dividends') return text;
  if (text.startsWith('weights:') && text.length > 'weights:'.length) return { weightsOf: text.slice('weights:'.length) };
  throw new ConfigError('--score-source must be incentive, consensus, dividends or weights:<validator hotkey>');
}

/**
 * `taogate metagraph --netuid N`: one read of a subnet, through the same reader, eligibility
 * and address guard as the gateway, printed as a table. `out` is where the table goes
 * (stdout; tests pass their own stream).
 */
export async function metagraphCommand(args: string[], _env: NodeJS.ProcessEnv, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const { values } = parseCommandArgs(args, OPTIONS);
  if (values.help === true) {
    out.write(METAGRAPH_USAGE);
    return;
  }
  if (values.netuid === undefined) throw new ConfigError(`--netuid is required\n\n${METAGRAPH_USAGE}`);
  const netuid = integer(values.netuid, '--netuid', 0, 65535);
  const timeoutMs = integer(values['timeout-ms'] ?? '15000', '--timeout-ms', 1, 600_000);
  const limit = values.limit === undefined ? undefined : integer(values.limit, '--limit', 0, 65535);
  const sort = values.sort ?? 'score';
  if (sort !== 'uid' && sort !== 'score') throw new ConfigError('--sort must be uid or score');
  const dedupe = values.dedupe ?? 'none';
  if (dedupe !== 'none' && dedupe !== 'coldkey' && dedupe !== 'ip') throw new ConfigError('--dedupe must be none, coldkey or ip');
  let endpoint: string;
  let guard: ReturnType<typeof createAddressGuard>;
  try {
    endpoint = resolveChainEndpoint(values.network);
    guard = createAddressGuard({ allowCidrs: values['allow-cidr'] ?? [] });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const policy: Partial<EligibilityPolicy> = {
    excludeValidators: values['include-validators'] !== true,
    dedupe,
    scoreSource: scoreSource(values['score-source']),
  };
  const weightsOf = typeof policy.scoreSource === 'object' ? policy.scoreSource.weightsOf : undefined;

  // Errors only, on stderr: @polkadot's notices (unknown signed extensions...) would clutter the table.
  const logger = createLogger('error', process.stderr);
  const reader = createChainReader({ endpoint, logger, connectTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
  try {
    const neurons = await reader.readNeurons(netuid, weightsOf === undefined ? {} : { weightsOf });
    const snapshot = buildMinerSnapshot(neurons, policy, guard);
    out.write(formatMinerTable(snapshot, {
      eligibleOnly: values.all !== true,
      sortBy: sort,
      ...(limit === undefined ? {} : { limit }),
    }));
  } finally {
    await reader.close();
  }
}
