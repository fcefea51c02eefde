import { z } from 'zod';
import { resolveChainEndpoint } from '../metagraph/chain/endpoints.js';

/**
 * The `chain` section (how the gateway reads subtensor) and the `{ type: chain }` miner source
 * of a model (which neurons of the model's subnet it may use, and how they are scored).
 */

const endpointSchema = z.string().min(1).superRefine((value, ctx) => {
  try {
    resolveChainEndpoint(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** The top-level `chain` section; every field has a default, so models of type chain need no section at all. */
export const chainSchema = z.strictObject({
  /** `finney` (default), `test`, `local`, or a ws(s):// URL of a subtensor node. */
  endpoint: endpointSchema.default('finney'),
  /**
   * Re-read every subnet this often (default 5 min). The epoch sets scores once a tempo
   * (72 min), but miners re-serve their axons at any block: a shorter interval bounds how long
   * the gateway keeps calling an address a miner has left.
   */
  refreshIntervalMs: z.int().min(100).default(5 * 60_000),
  /** `/readyz` reports a subnet stale once its snapshot is older than this (default 3 refresh intervals). */
  staleAfterMs: z.int().positive().optional(),
  /** Connecting and initialising @polkadot/api (downloads ~1.2 MB of metadata). */
  connectTimeoutMs: z.int().positive().default(15_000),
  /** One RPC call (the 1024-neuron answer of SN1 is ~190 KB). */
  requestTimeoutMs: z.int().positive().default(30_000),
  /** First retry after a failed read, doubling (±25 % jitter) up to `retryMaxMs`. */
  retryInitialMs: z.int().positive().default(2_000),
  retryMaxMs: z.int().positive().default(60_000),
  /**
   * Where the last good snapshot of each subnet is kept when no Redis is configured (relative
   * paths start at the working directory), so a restart serves at once with the chain down.
   */
  snapshotDir: z.string().min(1).default('.taogate/metagraph'),
})
  .refine((c) => c.staleAfterMs === undefined || c.staleAfterMs > c.refreshIntervalMs, {
    path: ['staleAfterMs'], message: 'must be longer than refreshIntervalMs, or every snapshot turns stale before the next read',
  })
  .refine((c) => c.retryMaxMs >= c.retryInitialMs, { path: ['retryMaxMs'], message: 'must be at least retryInitialMs' })
  .transform((chain) => ({ ...chain, staleAfterMs: chain.staleAfterMs ?? 3 * chain.refreshIntervalMs }));

export type ChainConfig = z.infer<typeof chainSchema>;

/** A stake in rao: an integer, or a decimal string for amounts past 2^53 (9 007 199 TAO). */
const raoSchema = z.union([z.int().min(0), z.string().regex(/^\d{1,30}$/, 'a decimal string of rao')])
  .transform((v) => BigInt(v));

/** Where validator scores come from (see src/metagraph/scores.ts for the fallback when a source has no signal). */
const scoreSourceSchema = z.union([
  z.enum(['incentive', 'consensus', 'dividends']),
  /** One validator's own view of the miners: its `Weights(netuid, uid)` row. */
  z.strictObject({ weightsOf: z.string().min(1) }),
]);

/** `source: { type: chain }`: the miners are the neurons of the model's `netuid`. */
export const chainSourceSchema = z.strictObject({
  type: z.literal('chain'),
  /** Leave validators (permit holders with at least `validatorStakeThresholdRao`) out. */
  excludeValidators: z.boolean().default(true),
  validatorStakeThresholdRao: raoSchema.default(0n),
  /** Keep one miner per coldkey or per IP address (the best scored). */
  dedupe: z.enum(['none', 'coldkey', 'ip']).default('none'),
  /** Only these hotkeys (empty: no allow list). */
  allowHotkeys: z.array(z.string().min(1)).default([]),
  denyHotkeys: z.array(z.string().min(1)).default([]),
  scoreSource: scoreSourceSchema.default('incentive'),
});

export type ChainSourceConfig = z.infer<typeof chainSourceSchema>;

interface ModelLike { netuid: number; source: { type: string } }

/**
 * Models on one subnet share one read of it, and a read carries at most one validator's
 * weights row: two models naming different `weightsOf` validators on the same netuid are refused.
 */
export function requireOneWeightsValidatorPerSubnet(config: { models: Record<string, ModelLike> }, ctx: z.RefinementCtx): void {
  const seen = new Map<number, { model: string; hotkey: string }>();
  for (const [name, model] of Object.entries(config.models)) {
    const source = model.source as Partial<ChainSourceConfig>;
    if (source.type !== 'chain' || typeof source.scoreSource !== 'object') continue;
    const hotkey = source.scoreSource.weightsOf;
    const first = seen.get(model.netuid);
    if (first === undefined) seen.set(model.netuid, { model: name, hotkey });
    else if (first.hotkey !== hotkey) {
      ctx.addIssue({
        code: 'custom',
        path: ['models', name, 'source', 'scoreSource'],
        message: `netuid ${model.netuid} is read once for all its models, with one validator's weights: model ${first.model} already uses weightsOf ${first.hotkey}`,
      });
    }
  }
}
