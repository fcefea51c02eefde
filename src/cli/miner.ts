import { ConfigError } from '../config/load.js';
import { HotkeyError, hotkeyFromSecretFile, hotkeyFromWalletFile, type Hotkey } from '../identity/index.js';
import { createLogger } from '../logging/logger.js';
import { EPISTULA_MAX_AGE_MS } from '../protocols/epistula.js';
import { startReferenceMiner } from '../miner/referenceMiner.js';
import { allowListPolicy, stakeSnapshotPolicy, type SignerPolicy } from '../miner/signerPolicy.js';
import { STREAM_PROMPTING } from '../miner/streamPrompting.js';
import { parseCommandArgs } from './args.js';

export const MINER_USAGE = `usage: taogate miner [options]

  identity (one of):
    --wallet NAME [--hotkey NAME] [--wallets-dir DIR]   btcli wallet hotkey (default dir ~/.bittensor/wallets)
    --mnemonic-file FILE                                mnemonic, 0x-hex seed or wallet JSON in a file
  who may call (one of):
    --allow SS58                  allow this signer (repeatable)
    --metagraph-snapshot FILE --min-stake RAO
                                  allow signers with at least RAO stake in FILE ([{"hotkey","stakeRao"}])
  serving:
    --host HOST                   default 0.0.0.0
    --port PORT                   default 8091
    --upstream URL                OpenAI-compatible server to forward to, e.g. http://127.0.0.1:8000/v1
                                  (without it: deterministic text)
    --model NAME                  model name sent upstream (required with --axon and --upstream)
    --axon                        also serve SN1's ${STREAM_PROMPTING.name}
    --max-age-ms MS               Epistula timestamp window (default ${EPISTULA_MAX_AGE_MS})
    --log-level LEVEL             default info
`;

const OPTIONS = {
  wallet: { type: 'string' },
  hotkey: { type: 'string' },
  'wallets-dir': { type: 'string' },
  'mnemonic-file': { type: 'string' },
  allow: { type: 'string', multiple: true },
  'metagraph-snapshot': { type: 'string' },
  'min-stake': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  upstream: { type: 'string' },
  model: { type: 'string' },
  axon: { type: 'boolean' },
  'max-age-ms': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `taogate miner`: a reference miner that verifies signed requests, in front of any OpenAI-compatible server. */
export async function minerCommand(args: string[], _env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseCommandArgs(args, OPTIONS);
  if (values.help === true) {
    process.stdout.write(MINER_USAGE);
    return;
  }
  const port = integer(values.port ?? '8091', '--port', 0, 65535);
  const maxAgeMs = integer(values['max-age-ms'] ?? String(EPISTULA_MAX_AGE_MS), '--max-age-ms', 1, 3_600_000);
  if (values.axon === true && values.upstream !== undefined && values.model === undefined) {
    throw new ConfigError('--axon with --upstream needs --model: synapses carry no model name to forward');
  }
  const hotkey = await loadMinerHotkey(values);
  const { policy, description } = await signerPolicy(values);
  const logger = createLogger(values['log-level'] ?? 'info');

  const miner = await startReferenceMiner({
    host: values.host ?? '0.0.0.0',
    port,
    auth: { hotkey: hotkey.address, isAllowedSigner: policy, maxAgeMs },
    axon: values.axon === true,
    ...(values.upstream === undefined ? {} : { upstream: { url: values.upstream, ...(values.model === undefined ? {} : { model: values.model }) } }),
    ...(values.model === undefined ? {} : { model: values.model }),
    onRejected: (rejection) => logger.warn(rejection, 'request refused'),
  });
  logger.info({
    url: miner.url, hotkey: hotkey.address, allow: description, upstream: values.upstream ?? 'deterministic text',
    endpoints: ['/v1/chat/completions', '/v1/completions', ...(values.axon === true ? [`/${STREAM_PROMPTING.name}`] : [])],
  }, 'taogate miner listening');

  const stop = (): void => {
    void miner.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

async function loadMinerHotkey(values: Values): Promise<Hotkey> {
  const sources = [values.wallet, values['mnemonic-file']].filter((v) => v !== undefined);
  if (sources.length !== 1) throw new ConfigError('give the miner hotkey with --wallet NAME or --mnemonic-file FILE (one of them)');
  try {
    if (values['mnemonic-file'] !== undefined) return await hotkeyFromSecretFile(values['mnemonic-file']);
    return await hotkeyFromWalletFile({
      wallet: values.wallet!,
      ...(values.hotkey === undefined ? {} : { hotkey: values.hotkey }),
      ...(values['wallets-dir'] === undefined ? {} : { walletsDir: values['wallets-dir'] }),
    });
  } catch (error) {
    throw new ConfigError(error instanceof HotkeyError ? error.message : 'the miner hotkey could not be loaded');
  }
}

async function signerPolicy(values: Values): Promise<{ policy: SignerPolicy; description: string }> {
  const allow = values.allow ?? [];
  const snapshot = values['metagraph-snapshot'];
  if ((allow.length > 0) === (snapshot !== undefined)) {
    throw new ConfigError('say who may call: --allow SS58 (repeatable) or --metagraph-snapshot FILE --min-stake RAO');
  }
  try {
    if (snapshot === undefined) return { policy: allowListPolicy(allow), description: `${allow.length} allowed hotkey(s)` };
    const minStake = values['min-stake'];
    if (minStake === undefined || !/^\d{1,30}$/.test(minStake)) throw new Error('--metagraph-snapshot needs --min-stake RAO (an integer)');
    return { policy: await stakeSnapshotPolicy(snapshot, BigInt(minStake)), description: `stake >= ${minStake} rao in ${snapshot}` };
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${flag} must be an integer in [${min}, ${max}]`);
  return value;
}
