import { z } from 'zod';
import { modelCacheSchema } from './stateSchema.js';

const protocolSchema = z.enum(['openai', 'epistula', 'axon']);

/** One miner of a static pool. */
export const staticMinerSchema = z.strictObject({
  uid: z.int().min(0),
  hotkey: z.string().min(1),
  host: z.string().min(1),
  port: z.int().min(1).max(65535),
  /** Overrides the model's protocol for this miner. */
  protocol: protocolSchema.optional(),
  /** Operator's judgement of this miner in [0, 1], standing in for the chain's score. */
  score: z.number().min(0).max(1).default(1),
});
export type StaticMinerConfig = z.infer<typeof staticMinerSchema>;

const staticSourceSchema = z.strictObject({
  type: z.literal('static'),
  /** Miners listed inline... */
  miners: z.array(staticMinerSchema).optional(),
  /** ...or in a separate YAML/JSON file (a list of miners), resolved relative to the config file. */
  file: z.string().optional(),
}).refine((s) => (s.miners === undefined) !== (s.file === undefined), 'give either miners or file');

export const minerSourceSchema = z.discriminatedUnion('type', [staticSourceSchema]);

const timeoutsSchema = z.strictObject({
  /** TCP connect to the miner. */
  connectMs: z.int().positive().default(3_000),
  /** Until the miner's first event (streams) or its whole answer's headers (non-streamed calls). */
  firstByteMs: z.int().positive().default(30_000),
  /** Longest silence between two chunks of a stream. */
  idleMs: z.int().positive().default(15_000),
  /** One miner call, start to end. */
  totalMs: z.int().positive().default(120_000),
});

const fanoutSchema = z.strictObject({
  strategy: z.enum(['single']).default('single'),
  /** Attempts on other miners after a retryable failure before any byte reached the client. */
  retries: z.int().min(0).max(10).default(1),
});

export const modelSchema = z.strictObject({
  /** The subnet that serves this model. */
  netuid: z.int().min(0).max(65535),
  protocol: protocolSchema.default('openai'),
  /** The model name sent to miners; defaults to the public name. */
  upstreamModel: z.string().min(1).optional(),
  /** Which endpoints this model serves. */
  endpoints: z.array(z.enum(['chat', 'completions'])).default(['chat', 'completions']),
  source: minerSourceSchema,
  fanout: fanoutSchema.prefault({}),
  timeouts: timeoutsSchema.prefault({}),
  /** A miner answer larger than this is treated as a failure. */
  maxResponseBytes: z.int().positive().default(4 * 1024 * 1024),
  /** Extra headers sent to every miner of this model. */
  headers: z.record(z.string(), z.string()).default({}),
  ownedBy: z.string().default('taogate'),
  /** Response cache settings of this model (see `cache` for the defaults). */
  cache: modelCacheSchema.prefault({}),
});

export type ModelConfig = z.infer<typeof modelSchema>;
