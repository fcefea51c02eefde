import type { Config } from '../config/schema.js';
import { createApp } from '../http/app.js';
import { evaluateReadiness, type ReadinessCheck } from '../lifecycle/readiness.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { StaticMinerPool } from '../metagraph/staticSource.js';
import type { MinerProtocol } from '../metagraph/types.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { combineObservers } from '../pipeline/callObserver.js';
import { InferencePipeline } from '../pipeline/inference.js';
import { metricsObserver } from '../pipeline/metricsObserver.js';
import { MinerCaller } from '../pipeline/minerCaller.js';
import { ModelCatalog, type ModelEntry } from '../pipeline/modelCatalog.js';
import { RoundRobin } from '../routing/roundRobin.js';
import { MinerDispatchers } from '../transport/dispatchers.js';
import { OpenAICompatibleTransport } from '../transport/openaiTransport.js';
import type { Transport } from '../transport/types.js';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../http/types.js';
import type { RedisConnection } from '../state/redisClient.js';
import { buildState } from './buildState.js';

export interface BuildOptions {
  logger?: Logger;
  now?: () => number;
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

/** Builds the gateway's parts from a parsed config. Nothing is started or connected here. */
export function buildGateway(config: Readonly<Config>, options: BuildOptions = {}): GatewayParts {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger(config.log.level);
  const metrics = createMetrics();
  const state = buildState(config, { logger, metrics, now });
  const dispatchers = new MinerDispatchers();
  const transports = new Map<MinerProtocol, Transport>([
    ['openai', new OpenAICompatibleTransport('openai', dispatchers)],
  ]);

  const models: ModelEntry[] = Object.entries(config.models).map(([name, modelConfig]) => ({
    name,
    config: modelConfig,
    pool: new StaticMinerPool(modelConfig.netuid, modelConfig.source.miners ?? [], now()),
  }));
  const catalog = new ModelCatalog(models, now());
  const caller = new MinerCaller(transports, combineObservers([metricsObserver(metrics, now)]));
  const pipeline = new InferencePipeline({
    catalog, caller, selector: new RoundRobin(), logger, requestTimeoutMs: config.server.requestTimeoutMs, now,
    ...(state.cache === undefined ? {} : { cache: state.cache }),
  });

  const draining = { value: false };
  const checks: ReadinessCheck[] = [
    { name: 'shutdown', check: () => (draining.value ? { ok: false, reason: 'shutting down' } : { ok: true }) },
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
    readiness: () => evaluateReadiness(checks),
    bodyLimitBytes: config.server.bodyLimitBytes,
    exposeMinerHeaders: config.server.exposeMinerHeaders,
  });

  const services: GatewayParts['services'] = [
    ...state.services,
    {
      name: 'miner pools',
      start: async () => { await Promise.all(models.map((m) => m.pool.start())); },
      stop: async () => { await Promise.all(models.map((m) => m.pool.stop())); },
    },
    { name: 'miner connections', start: async () => {}, stop: () => dispatchers.close() },
  ];
  return { config, app, logger, metrics, catalog, redis: state.redis, draining, services };
}
