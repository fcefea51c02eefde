import { generateApiKey, generateKeyId, hashApiKey, type StoredKey } from '../access/apiKeys.js';
import { loadConfig } from '../config/load.js';
import { createRedisClient } from '../state/redisClient.js';
import { RedisKeyRegistry } from '../state/redisKeyRegistry.js';
import { parseCommandArgs } from './args.js';

export const KEYS_USAGE = `usage:
  taogate keys create --config FILE [--name NAME] [--rpm N] [--tpm N]   new key in Redis; prints it once
  taogate keys create --local [--name NAME]                             new key for auth.keys in the config file
  taogate keys list --config FILE                                       keys in Redis (ids, names, limits, revoked)
  taogate keys revoke ID --config FILE                                  refuse this key from now on (within auth.lookupCacheMs)
  taogate keys usage [ID] --config FILE                                 requests and tokens per key, all replicas together
  taogate keys hash < key.txt                                           SHA-256 of a key, for auth.keys[].sha256
`;

/** A mistake of the operator: the CLI prints its message, without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where the command writes (stdout in the CLI, a buffer in tests) and what it reads for `hash`. */
export interface KeysIo {
  out(text: string): void;
  stdin(): Promise<string>;
}

const processIo: KeysIo = {
  out: (text) => void process.stdout.write(text),
  stdin: async () => {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text;
  },
};

/** `taogate keys ...`: manage API keys kept in Redis (and make config keys). */
export async function keysCommand(args: string[], env: Record<string, string | undefined>, io: KeysIo = processIo): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    config: { type: 'string', short: 'c' }, name: { type: 'string' }, rpm: { type: 'string' }, tpm: { type: 'string' }, local: { type: 'boolean' },
  });
  const [action, id] = positionals;
  if (action === undefined || action === 'help') {
    io.out(KEYS_USAGE);
    return;
  }
  if (action === 'hash') {
    const key = (await io.stdin()).trim();
    if (key.length === 0) throw new UsageError('keys hash reads the key on stdin');
    io.out(`${hashApiKey(key)}\n`);
    return;
  }
  const limits = { ...positiveInt('rpm', values.rpm, 'requestsPerMinute'), ...positiveInt('tpm', values.tpm, 'tokensPerMinute') };
  if (action === 'create' && values.local === true) {
    const key = generateApiKey();
    io.out(`${key}\n\nShown once. Add to the config file:\n\nauth:\n  keys:\n    - id: ${values.name ?? generateKeyId()}\n      sha256: ${hashApiKey(key)}\n${Object.entries(limits).map(([k, v]) => `      ${k}: ${v}\n`).join('')}`);
    return;
  }
  if (!['create', 'list', 'revoke', 'usage'].includes(action ?? '')) throw new UsageError(`unknown keys action: ${action ?? '(none)'}\n\n${KEYS_USAGE}`);
  const path = values.config ?? env.TAOGATE_CONFIG;
  if (path === undefined) throw new UsageError(`keys ${action} needs the gateway's config file (--config FILE) to find Redis`);
  const config = loadConfig({ path, env });
  if (config.redis === undefined) throw new UsageError('this config has no redis section: keys in Redis need one (for keys in the config file, use keys create --local)');
  const client = createRedisClient(config.redis, 'cli');
  try {
    await client.connect();
    const registry = new RedisKeyRegistry(client, config.redis.keyPrefix);
    switch (action) {
      case 'create': {
        const { key, record } = await registry.create({ ...(values.name === undefined ? {} : { name: values.name }), ...limits });
        io.out(`${key}\n\nid ${record.id}${record.name === undefined ? '' : ` (${record.name})`}. The key is shown once and stored only as its hash.\n`);
        return;
      }
      case 'list': {
        const keys = await registry.list();
        io.out(keys.length === 0 ? 'no keys in Redis\n' : `${keys.map(describeKey).join('\n')}\n`);
        return;
      }
      case 'revoke': {
        if (id === undefined) throw new UsageError('keys revoke needs the key id (see keys list)');
        const record = await registry.revoke(id);
        if (record === undefined) throw new UsageError(`no key with id ${id}`);
        io.out(`revoked ${record.id}\n`);
        return;
      }
      case 'usage': {
        const ids = id === undefined ? (await registry.list()).map((k) => k.id) : [id];
        const lines = await Promise.all(ids.map(async (keyId) => {
          const u = await registry.usage(keyId);
          return `${keyId}  requests=${u.requests}  prompt_tokens=${u.promptTokens}  completion_tokens=${u.completionTokens}  cached=${u.cached}`;
        }));
        io.out(lines.length === 0 ? 'no keys in Redis\n' : `${lines.join('\n')}\n`);
        return;
      }
    }
  } finally {
    client.disconnect();
  }
}

function describeKey(key: StoredKey): string {
  const limits = [key.requestsPerMinute === undefined ? '' : `rpm=${key.requestsPerMinute}`, key.tokensPerMinute === undefined ? '' : `tpm=${key.tokensPerMinute}`].filter(Boolean).join(' ');
  const state = key.revokedAt === undefined ? 'active' : `revoked ${new Date(key.revokedAt).toISOString()}`;
  return `${key.id}  ${key.name ?? '-'}  created ${new Date(key.createdAt).toISOString()}  ${state}${limits === '' ? '' : `  ${limits}`}`;
}

function positiveInt(flag: string, value: string | undefined, field: string): Record<string, number> {
  if (value === undefined) return {};
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer`);
  return { [field]: n };
}
