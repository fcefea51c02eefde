import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/stateSchema.js';
import type { Logger } from '../logging/logger.js';
import { RedisHealth, type HealthSink } from './redisHealth.js';

/** A standalone/Sentinel client or a Cluster: the commands the gateway uses exist on both. */
export type RedisClient = Redis | Cluster;

/** A Lua script bound to the client (EVALSHA, with EVAL when Redis lost its script cache). */
export type RedisScript = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

/**
 * `gateway`: commands fail at once while disconnected (requests must never queue behind a
 * dead Redis) and the client reconnects forever. `cli`: an operator command, which may wait
 * for the connection and gives up after a few attempts.
 */
export type RedisPurpose = 'gateway' | 'cli';

/** Builds an ioredis client for standalone, Sentinel or Cluster from the config. Not connected yet. */
export function createRedisClient(config: RedisConfig, purpose: RedisPurpose): RedisClient {
  const gateway = purpose === 'gateway';
  const common: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: !gateway,
    maxRetriesPerRequest: gateway ? 0 : 1,
    // Commands issued in the same tick leave in one write: many concurrent requests, few syscalls.
    enableAutoPipelining: gateway,
    connectTimeout: config.connectTimeoutMs,
    retryStrategy: (times) => (gateway ? Math.min(100 * 2 ** Math.min(times, 5), 2_000) : times > 3 ? null : 200),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password.reveal() }),
    ...(config.db === undefined ? {} : { db: config.db }),
    ...(config.tls ? { tls: {} } : {}),
  };
  if (config.cluster !== undefined) {
    const { lazyConnect, enableOfflineQueue, enableAutoPipelining, retryStrategy, ...redisOptions } = common;
    return new Cluster(config.cluster.nodes.map((n) => ({ host: n.host, port: n.port })), {
      lazyConnect: lazyConnect!, enableOfflineQueue: enableOfflineQueue!, enableAutoPipelining: enableAutoPipelining!,
      clusterRetryStrategy: retryStrategy as (times: number) => number | null,
      redisOptions,
    });
  }
  if (config.sentinel !== undefined) {
    return new Redis({
      ...common,
      name: config.sentinel.name,
      sentinels: config.sentinel.sentinels.map((s) => ({ host: s.host, port: s.port })),
      ...(config.sentinel.sentinelPassword === undefined ? {} : { sentinelPassword: config.sentinel.sentinelPassword.reveal() }),
    });
  }
  return new Redis(config.url!.reveal(), common);
}

/**
 * The gateway's Redis: one command connection, one subscriber connection (pub/sub needs its
 * own), and the health machine every operation goes through. Created at build time,
 * connected by `start()`; when Redis is away at start-up the gateway starts anyway, on its
 * local fallbacks, and picks Redis up when it comes.
 */
export class RedisConnection {
  readonly client: RedisClient;
  readonly health: RedisHealth;
  /** Prefix of every key and channel. */
  readonly prefix: string;
  readonly #config: RedisConfig;
  readonly #logger: Logger;
  readonly #channels = new Map<string, (message: string) => void>();
  #subscriber: RedisClient | undefined;
  #stopping = false;

  constructor(config: RedisConfig, logger: Logger, sink: HealthSink) {
    this.#config = config;
    this.#logger = logger;
    this.prefix = config.keyPrefix;
    this.client = createRedisClient(config, 'gateway');
    this.health = new RedisHealth({ budgetMs: config.budgetMs, backoffMs: config.backoffMs, maxBackoffMs: config.maxBackoffMs, logger, sink });
    // Without an 'error' listener ioredis prints every reconnect failure; the health machine logs once per episode.
    this.client.on('error', (error: unknown) => this.#lost(error));
    this.client.on('close', () => this.#lost(new Error('connection closed')));
    this.client.on('ready', () => this.health.connectionRestored());
  }

  /** Binds a Lua script to the command connection. */
  script(name: string, lua: string, numberOfKeys: number): RedisScript {
    this.client.defineCommand(name, { lua, numberOfKeys });
    const client = this.client as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>;
    return (keys, args) => client[name]!(...keys, ...args);
  }

  /** Calls `handler` with every message on `channel` (subscribed when the connection starts). */
  onMessage(channel: string, handler: (message: string) => void): void {
    this.#channels.set(channel, handler);
  }

  /** Connects, waiting at most `connectTimeoutMs`; a Redis that is away only puts the gateway on its fallbacks. */
  async start(): Promise<void> {
    const connected = await withRedisTimeout(this.client.connect(), this.#config.connectTimeoutMs).then(() => true, (error: unknown) => {
      this.#lost(error);
      return false;
    });
    if (this.#channels.size > 0) this.#startSubscriber();
    if (connected) this.#logger.info({ mode: this.#config.cluster ? 'cluster' : this.#config.sentinel ? 'sentinel' : 'standalone' }, 'redis connected');
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all([this.client, this.#subscriber].map(async (c) => {
      if (c === undefined) return;
      await withRedisTimeout(c.quit(), 1_000).catch(() => c.disconnect());
    }));
  }

  #startSubscriber(): void {
    // The subscriber queues its SUBSCRIBE until connected and resubscribes after every
    // reconnect: nothing waits on it, and messages missed meanwhile are covered by polling.
    const subscriber: RedisClient = this.client instanceof Cluster
      ? this.client.duplicate(undefined, { enableOfflineQueue: true, enableAutoPipelining: false, redisOptions: { ...this.client.options.redisOptions, maxRetriesPerRequest: null } })
      : this.client.duplicate({ enableOfflineQueue: true, enableAutoPipelining: false, maxRetriesPerRequest: null });
    subscriber.on('error', () => {});
    subscriber.on('message', (channel: string, message: string) => this.#channels.get(channel)?.(message));
    this.#subscriber = subscriber;
    subscriber.connect().catch(() => {});
    subscriber.subscribe(...this.#channels.keys()).catch(() => {});
  }

  #lost(error: unknown): void {
    if (!this.#stopping) this.health.connectionLost(error);
  }
}

/**
 * Waits for a Redis command at most `ms` (ioredis may queue it while reconnecting). The
 * command may still fail after we stopped waiting; that is not an unhandled rejection.
 */
export async function withRedisTimeout<T>(work: Promise<T>, ms: number, what?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what === undefined ? '' : `${what}: `}no answer from Redis within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    work.catch(() => {});
  }
}
