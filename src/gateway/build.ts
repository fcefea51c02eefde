import type { Config } from '../config/schema.js';
import { createApp } from '../http/app.js';
import { evaluateReadiness, type ReadinessCheck } from '../lifecycle/readiness.js';
import { createLogger, type Logger } from '../logging/logger.js';
import type { MinerProtocol } from '../metagraph/types.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { combineObservers } from '../pipeline/callObserver.js';
import { InferencePipeline } from '../pipeline/inference.js';
import { metricsObserver } from '../pipeline/metricsObserver.js';
import { MinerCaller } from '../pipeline/minerCaller.js';
import { ModelCatalog, type ModelEntry } from '../pipeline/modelCatalog.js';
import { ScoredSelector } from '../routing/selector.js';
import { Telemetry } from '../routing/telemetry.js';
import { RedisTelemetrySync } from '../state/telemetrySync.js';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { busiestMiners, reportMiner } from '../routing/minerReport.js';
import { registerMinerGauges } from '../metrics/minerGauges.js';
import type { Random } from '../routing/clock.js';
import { MinerDispatchers } from '../transport/dispatchers.js';
import { OpenAICompatibleTransport } from '../transport/openaiTransport.js';
import { createEpistulaTransport } from '../transport/epistulaTransport.js';
import { AxonTransport } from '../transport/axonTransport.js';
import { GatewayIdentity } from './identity.js';
import { buildMinerPools, type SnapshotRedis } from './minerPools.js';
import { createAddressGuard, createGuardedConnector } from '../net/addressGuard.js';
import type { Transport } from '../transport/types.js';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/types.js';
import type { RedisConnection } from '../state/redisClient.js';
import { buildState } from './buildState.js';

/** Per-miner metric label sets per model (bounded cardinality). */
const MINER_GAUGE_LIMIT = 20;

export interface BuildOptions {
  logger?: Logger;
  now?: () => number;
  /** Randomness for miner selection (seeded in tests and benchmarks). */
  random?: Random;
  /** Transports to use instead of the built-in ones, by protocol (another wire protocol, or in-memory miners in benchmarks). */
  transports?: Partial<Record<MinerProtocol, Transport>>;
  /** The gateway's Redis client, when Redis is configured: chain snapshots are kept there instead of in files. */
  redis?: SnapshotRedis;
}

/** Everything one gateway instance is made of; `main` starts and stops it. */
export interface GatewayParts {
  config: Readonly<Config>;
  app: Hono<GatewayEnv>;
  logger: Logger;
  metrics: Metrics;
  catalog: ModelCatalog;
  /** The Redis connection when `redis` is configured (shared with components that keep state there). */
  redis: RedisConnection | undefined;
  /** Set while shutting down: /readyz turns 503 at once. */
  draining: { value: boolean };
  /** Long-running services, started in order and stopped in reverse. */
  services: Array<{ name: string; start(): Promise<void>; stop(): Promise<void> }>;
}

/** Drops the stats of miners unused for an hour, every few minutes: memory stays bounded as metagraphs churn. */
function telemetryUpkeep(telemetry: Telemetry): GatewayParts['services'][number] {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'telemetry upkeep',
    start: async () => {
      timer = setInterval(() => telemetry.prune(), 5 * 60_000);
      timer.unref();
    },
    stop: async () => clearInterval(timer),
  };
}

/** `{ttfbMs: 1}` → `{ttfb_ms: 1}`: the HTTP API speaks snake_case like OpenAI's. */
function snakeCase(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}

/** Builds the gateway's parts from a parsed config. Nothing is started or connected here. */
export function buildGateway(config: Readonly<Config>, options: BuildOptions = {}): GatewayParts {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger(config.log.level);
  const metrics = createMetrics();
  const state = buildState(config, { logger, metrics, now });
  // Every miner connection, whatever its source, goes through the address guard.
  const guard = createAddressGuard({ allowCidrs: config.network.allowCidrs });
  const dispatchers = new MinerDispatchers((timeout) => createGuardedConnector(guard, { timeout }));
  const identity = new GatewayIdentity(config.identity, logger);
  const transports = new Map<MinerProtocol, Transport>([
    ['openai', new OpenAICompatibleTransport('openai', dispatchers)],
    ['epistula', createEpistulaTransport(dispatchers, identity.signer, now)],
    ['axon', new AxonTransport(dispatchers, identity.signer)],
  ]);
  for (const [protocol, transport] of Object.entries(options.transports ?? {}) as Array<[MinerProtocol, Transport]>) transports.set(protocol, transport);

  // Chain snapshots live in the gateway's Redis when it has one (a test may inject its own client).
  const snapshotRedis = options.redis ?? state.redis?.client;
  const pools = buildMinerPools({
    config, guard, logger, now,
    ...(snapshotRedis === undefined ? {} : { redis: snapshotRedis }),
    onRefreshFailure: (netuid) => metrics.metagraphRefreshFailures.inc({ netuid: String(netuid) }),
  });
  metrics.readMetagraphFrom(pools.readings);
  const models: ModelEntry[] = Object.entries(config.models).map(([name, modelConfig]) => ({
    name,
    config: modelConfig,
    pool: pools.byModel.get(name)!,
  }));
  const catalog = new ModelCatalog(models, now());
  const { routing } = config;
  const telemetry = new Telemetry(now, {
    tauMs: routing.latencyTauMs, windowMs: routing.windowMs, windowBuckets: 6, cooldown: routing.cooldown,
  });
  const selector = new ScoredSelector(telemetry, options.random ?? Math.random, {
    explorationShare: routing.explorationShare, provenAfter: routing.provenAfter,
  });
  const caller = new MinerCaller(transports, combineObservers([metricsObserver(metrics, now), telemetry.observer()]));
  const pipeline = new InferencePipeline({
    catalog, caller, selector, telemetry, logger, requestTimeoutMs: config.server.requestTimeoutMs, now,
    ...(state.cache === undefined ? {} : { cache: state.cache }),
  });

  registerMinerGauges(metrics.registry, () => catalog.list().flatMap((model) => {
    const candidates = model.pool.snapshot()?.eligible ?? [];
    return busiestMiners(telemetry, candidates, MINER_GAUGE_LIMIT).map((miner) => {
      const report = reportMiner(telemetry, selector, model.name, candidates, miner);
      return {
        model: model.name, uid: miner.uid, hotkey: miner.hotkey, score: report.score,
        ...(report.ttfbMs === null ? {} : { ttfbSeconds: report.ttfbMs / 1000 }),
        ...(report.latencyMs === null ? {} : { latencySeconds: report.latencyMs / 1000 }),
        inFlight: report.inFlight,
        ...(report.successRatio === null ? {} : { successRatio: report.successRatio }),
        coolingDown: report.breaker === 'open',
      };
    });
  }));

  const draining = { value: false };
  const checks: ReadinessCheck[] = [
    { name: 'shutdown', check: () => (draining.value ? { ok: false, reason: 'shutting down' } : { ok: true }) },
    ...identity.readinessChecks(),
    ...pools.checks,
    ...models.map((m): ReadinessCheck => ({
      name: `model:${m.name}`,
      check: () => {
        const status = m.pool.status();
        return status.ready ? { ok: true, detail: { eligible: status.eligible } } : { ok: false, reason: status.reason ?? 'not ready', detail: { eligible: status.eligible } };
      },
    })),
    ...state.checks,
  ];
  const app = createApp({
    pipeline, catalog, metrics, logger, access: state.access,
    readiness: () => evaluateReadiness(checks, identity.readinessInfo()),
    bodyLimitBytes: config.server.bodyLimitBytes,
    exposeMinerHeaders: config.server.exposeMinerHeaders,
    minerTelemetry: (modelName, miner) => {
      const model = catalog.get(modelName);
      if (model === undefined || (!miner.eligible && telemetry.view(miner.hotkey) === undefined)) return undefined;
      return snakeCase(reportMiner(telemetry, selector, modelName, model.pool.snapshot()?.eligible ?? [], miner));
    },
  });

  const services: GatewayParts['services'] = [
    // Redis first (snapshots and the cache live there), then the hotkey: nothing that signs
    // may run before it is loaded.
    ...state.services,
    { name: 'identity', start: () => identity.start(), stop: async () => {} },
    {
      name: 'miner pools',
      start: async () => { await Promise.all(models.map((m) => m.pool.start())); },
      stop: async () => { await Promise.all(models.map((m) => m.pool.stop())); },
    },
    { name: 'miner connections', start: async () => {}, stop: () => dispatchers.close() },
    telemetryUpkeep(telemetry),
  ];
  if (state.redis !== undefined) {
    // What one replica learns of a miner, the others know within a second.
    const redis = state.redis;
    const sync = new RedisTelemetrySync({ redis: redis.client, keyPrefix: redis.prefix, replicaId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, logger, redisUp: () => redis.health.up });
    services.push({ name: 'telemetry sync', start: async () => sync.start(telemetry), stop: () => sync.stop() });
  }
  return { config, app, logger, metrics, catalog, redis: state.redis, draining, services };
}
