import { z } from 'zod';
import { STRATEGIES } from '../fanout/strategies.js';
import { axonMappingSchema } from './axonSchema.js';
import { chainSourceSchema } from './chainSchema.js';
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

/** Where a model's miners come from: a list in the config, or the subnet's metagraph on chain. */
export const minerSourceSchema = z.discriminatedUnion('type', [staticSourceSchema, chainSourceSchema]);

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
  /** single | race | hedge | best-of-k | consensus (see README, "Fan-out"). */
  strategy: z.enum(STRATEGIES).default('hedge'),
  /** Miners asked at once (race, best-of-k, consensus) or at most (hedge). */
  k: z.int().min(1).max(16).default(2),
  /** The largest k a request may ask for with the x-taogate-k header. */
  maxK: z.int().min(1).max(16).default(5),
  /** Attempts on other miners after retryable failures, within the request's deadline. */
  retries: z.int().min(0).max(10).default(2),
  hedge: z.strictObject({
    /** Hedge when the first miner is slower than this quantile of its recent times to first byte. */
    quantile: z.number().gt(0).lt(1).default(0.9),
    minDelayMs: z.int().min(0).default(25),
    maxDelayMs: z.int().positive().default(5_000),
    /** Delay while a miner has too few samples for a quantile. */
    defaultDelayMs: z.int().positive().default(750),
  }).prefault({}),
  /** best-of-k / consensus: keep collecting answers this long after the first valid one. */
  collectMs: z.int().positive().default(2_000),
}).refine((f) => f.k <= f.maxK, { message: 'k must not exceed maxK', path: ['k'] });

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
  /** Extra headers sent to every miner of this model (e.g. a model header some subnets expect). */
  headers: z.record(z.string(), z.string()).default({}),
  ownedBy: z.string().default('taogate'),
  /** Response cache settings of this model (see `cache` for the defaults). */
  cache: modelCacheSchema.prefault({}),
  /** How requests map onto the synapse of `protocol: axon` miners (see README, "axon mapping"). */
  axon: axonMappingSchema.optional(),
}).superRefine((model, ctx) => {
  const listed = model.source.type === 'static' ? model.source.miners ?? [] : [];
  const usesAxon = model.protocol === 'axon' || listed.some((m) => m.protocol === 'axon');
  if (usesAxon && model.axon === undefined) {
    ctx.addIssue({ code: 'custom', path: ['axon'], message: 'required with protocol axon: a synapse mapping, e.g. { preset: sn1-stream-prompting }' });
  }
});

export type ModelConfig = z.infer<typeof modelSchema>;
