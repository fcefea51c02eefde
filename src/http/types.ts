import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { InferencePipeline } from '../pipeline/inference.js';
import type { ModelCatalog } from '../pipeline/modelCatalog.js';
import type { ReadinessReport } from '../lifecycle/readiness.js';
import type { MinerEntry } from '../metagraph/types.js';

/** What routing knows of one miner right now (latency, error ratio, current score...), shown under `telemetry` in /v1/miners. */
export type MinerTelemetry = Record<string, unknown>;
/** Looks up a miner's telemetry for a model (by `miner.hotkey`); undefined when there is none. */
export type MinerTelemetryLookup = (model: string, miner: MinerEntry) => MinerTelemetry | undefined;
import type { AccessGate } from '../access/gate.js';
import type { RequestScope } from './requestScope.js';

/** What the HTTP layer needs from the rest of the gateway. */
export interface AppDeps {
  pipeline: InferencePipeline;
  /** API keys and rate limits. */
  access: AccessGate;
  catalog: ModelCatalog;
  metrics: Metrics;
  logger: Logger;
  readiness: () => Promise<ReadinessReport>;
  bodyLimitBytes: number;
  exposeMinerHeaders: boolean;
  /** Per-miner telemetry for /v1/miners; absent until routing provides it. */
  minerTelemetry?: MinerTelemetryLookup;
}

/** Hono environment: node-server bindings (absent in in-process tests) and per-request variables. */
export interface GatewayEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: { scope: RequestScope };
}
