import { generateApiKey, generateKeyId, hashApiKey, type KeyUsage, type StoredKey } from '../access/apiKeys.js';
import { UNAVAILABLE, type KeyLookup } from '../access/keyLookup.js';
import type { RedisClient, RedisConnection } from './redisClient.js';

const ADD_USAGE = `
redis.call('HINCRBY', KEYS[1], 'requests', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'prompt_tokens', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'completion_tokens', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'cached', ARGV[4])
return 1
`;

export interface CreateKeyOptions {
  name?: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/**
 * API keys and usage counters in Redis. Layout, under the configured prefix:
 * `apikey:<sha256>` → the key's record (JSON, never the key), `apikeys` → hash id → sha256
 * (to list and revoke by id), `usage:{<id>}` → hash of counters.
 */
export class RedisKeyRegistry {
  readonly #client: RedisClient;
  readonly #prefix: string;

  constructor(client: RedisClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
    client.defineCommand('taogateAddUsage', { lua: ADD_USAGE, numberOfKeys: 1 });
  }

  async find(sha256: string): Promise<StoredKey | undefined> {
    const text = await this.#client.get(`${this.#prefix}apikey:${sha256}`);
    return text === null ? undefined : JSON.parse(text) as StoredKey;
  }

  /** Makes a key; the plaintext is returned here and nowhere else, ever. */
  async create(options: CreateKeyOptions = {}): Promise<{ key: string; record: StoredKey }> {
    const key = generateApiKey();
    const record: StoredKey = {
      id: generateKeyId(), sha256: hashApiKey(key), createdAt: Date.now(),
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.requestsPerMinute === undefined ? {} : { requestsPerMinute: options.requestsPerMinute }),
      ...(options.tokensPerMinute === undefined ? {} : { tokensPerMinute: options.tokensPerMinute }),
    };
    await this.#client.set(`${this.#prefix}apikey:${record.sha256}`, JSON.stringify(record));
    await this.#client.hset(`${this.#prefix}apikeys`, record.id, record.sha256);
    return { key, record };
  }

  async list(): Promise<StoredKey[]> {
    const index = await this.#client.hgetall(`${this.#prefix}apikeys`);
    const records = await Promise.all(Object.values(index).map((sha256) => this.find(sha256)));
    return records.filter((r): r is StoredKey => r !== undefined).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Marks a key revoked (its record stays, for `list`); undefined when no key has this id. */
  async revoke(id: string): Promise<StoredKey | undefined> {
    const sha256 = await this.#client.hget(`${this.#prefix}apikeys`, id);
    if (sha256 === null) return undefined;
    const record = await this.find(sha256);
    if (record === undefined) return undefined;
    record.revokedAt ??= Date.now();
    await this.#client.set(`${this.#prefix}apikey:${sha256}`, JSON.stringify(record));
    return record;
  }

  async usage(id: string): Promise<KeyUsage> {
    const fields = await this.#client.hgetall(`${this.#prefix}usage:{${id}}`);
    const n = (name: string): number => Number(fields[name] ?? 0);
    return { requests: n('requests'), promptTokens: n('prompt_tokens'), completionTokens: n('completion_tokens'), cached: n('cached') };
  }

  async addUsage(id: string, usage: KeyUsage): Promise<void> {
    const client = this.#client as unknown as { taogateAddUsage(...args: Array<string | number>): Promise<unknown> };
    await client.taogateAddUsage(`${this.#prefix}usage:{${id}}`, usage.requests, usage.promptTokens, usage.completionTokens, usage.cached);
  }
}

/** Key lookups of the gateway: through the health machine, UNAVAILABLE while Redis is down. */
export function redisKeyLookup(redis: RedisConnection, registry: RedisKeyRegistry): KeyLookup {
  return {
    find: (sha256) => redis.health.run<StoredKey | undefined | typeof UNAVAILABLE>('auth.lookup', () => registry.find(sha256), () => UNAVAILABLE),
  };
}
