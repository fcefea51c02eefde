import { BUSY, LEADER, MISS, type AnswerStore, type FlightSignal, type Lookup, type MemoryAnswerStore } from '../cache/answerStore.js';
import { decodeEntry, type EncodedEntry } from '../cache/entry.js';
import type { RedisConnection, RedisScript } from './redisClient.js';

// One round trip for the whole lookup: the entry, or (on a miss) the flight's lock. Entry and
// lock share a hash tag, so the script is valid on Cluster too.
// Returns {1, entry} hit, {0} miss without lock, {2} lock taken, {3} lock held by another.
const LOOKUP = `
local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
if ARGV[1] == '' then return {0} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {3}
`;

// Store (optional), release the caller's own lock (never another's), tell the waiters.
const FINISH = `
if ARGV[1] ~= '' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
if ARGV[3] ~= '' then
  if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
  redis.call('PUBLISH', ARGV[4], ARGV[5])
end
return 1
`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/**
 * Cached answers in Redis, shared by every replica, with a memory LRU standing in while
 * Redis is down or slow (through the connection's health machine: at most one budget of
 * waiting, then the fallback). Keys: `<prefix>cache:{<key>}` for the entry and
 * `<prefix>cache-lock:{<key>}` for the flight's leader; flights end with a message on
 * `<prefix>cache-flights` ("d <key>" done, "f <key>" failed) that wakes followers at once.
 */
export class RedisAnswerStore implements AnswerStore {
  readonly #redis: RedisConnection;
  readonly #fallback: MemoryAnswerStore;
  readonly #lookup: RedisScript;
  readonly #finish: RedisScript;
  readonly #renew: RedisScript;
  readonly #channel: string;
  readonly #lockTtlMs: number;
  readonly #waiters = new Map<string, Set<(signal: FlightSignal) => void>>();

  constructor(redis: RedisConnection, fallback: MemoryAnswerStore, lockTtlMs: number) {
    this.#redis = redis;
    this.#fallback = fallback;
    this.#lockTtlMs = lockTtlMs;
    this.#lookup = redis.script('taogateCacheLookup', LOOKUP, 2);
    this.#finish = redis.script('taogateCacheFinish', FINISH, 2);
    this.#renew = redis.script('taogateCacheRenew', RENEW, 1);
    this.#channel = `${redis.prefix}cache-flights`;
    redis.onMessage(this.#channel, (message) => this.#onFlightEnded(message));
  }

  lookup(key: string, lockOwner: string | undefined): Promise<Lookup> {
    const { prefix } = this.#redis;
    return this.#redis.health.run(
      'cache.lookup',
      async () => {
        const reply = await this.#lookup([`${prefix}cache:{${key}}`, `${prefix}cache-lock:{${key}}`], [lockOwner ?? '', this.#lockTtlMs]) as [number, string?];
        switch (reply[0]) {
          case 1: {
            const entry = decodeEntry(reply[1]!);
            // A corrupt or outdated entry is a miss; the next store overwrites it.
            return entry === undefined ? MISS : { kind: 'hit', entry };
          }
          case 2: return LEADER;
          case 3: return BUSY;
          default: return MISS;
        }
      },
      () => this.#fallback.lookupNow(key),
    );
  }

  finish(key: string, encoded: EncodedEntry | undefined, ttlMs: number, lockOwner: string | undefined): Promise<void> {
    const { prefix } = this.#redis;
    return this.#redis.health.run(
      'cache.store',
      async () => {
        await this.#finish([`${prefix}cache:{${key}}`, `${prefix}cache-lock:{${key}}`], [
          encoded?.text ?? '', ttlMs, lockOwner ?? '', this.#channel, `${encoded === undefined ? 'f' : 'd'} ${key}`,
        ]);
      },
      () => this.#fallback.finishNow(key, encoded, ttlMs),
    );
  }

  renew(key: string, lockOwner: string, ttlMs: number): Promise<void> {
    return this.#redis.health.run('cache.renew', async () => {
      await this.#renew([`${this.#redis.prefix}cache-lock:{${key}}`], [lockOwner, ttlMs]);
    }, () => undefined);
  }

  wait(key: string, ms: number): Promise<FlightSignal> {
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(key);
      if (waiters === undefined) this.#waiters.set(key, (waiters = new Set()));
      const set = waiters;
      const done = (signal: FlightSignal): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
        resolve(signal);
      };
      const timer = setTimeout(() => done('timeout'), ms);
      set.add(done);
    });
  }

  #onFlightEnded(message: string): void {
    const key = message.slice(2);
    const waiters = this.#waiters.get(key);
    if (waiters === undefined) return;
    const signal: FlightSignal = message.startsWith('d') ? 'done' : 'failed';
    for (const done of [...waiters]) done(signal);
  }
}
