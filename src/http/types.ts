import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { InferencePipeline, ResultMeta } from '../pipeline/inference.js';
import type { ModelCatalog } from '../pipeline/modelCatalog.js';
import type { ReadinessReport } from '../lifecycle/readiness.js';
import type { AccessGate } from '../access/gate.js';

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
}

/** Hono environment: node-server bindings (absent in in-process tests) and per-request variables. */
export interface GatewayEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: { requestId: string; startedAt: number; resultMeta?: ResultMeta };
}
