import { z } from 'zod';
import { modelSchema } from './modelSchema.js';
import { identitySchema, requireIdentityForSigning } from './identitySchema.js';
import { chainSchema, requireOneWeightsValidatorPerSubnet } from './chainSchema.js';
import { authSchema, cacheSchema, rateLimitsSchema, redisSchema } from './stateSchema.js';

/**
 * The whole configuration, parsed once by this strict schema (unknown keys are errors, so a
 * typo never silently falls back to a default). Defaults live here and nowhere else.
 */
export const configSchema = z.strictObject({
  server: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.int().min(0).max(65535).default(8080),
    /** Request bodies above this size are refused with 413 before they are parsed. */
    bodyLimitBytes: z.int().positive().default(1024 * 1024),
    /** Upper bound for one client request, all miner attempts included. */
    requestTimeoutMs: z.int().positive().default(120_000),
    /** On SIGTERM, how long in-flight requests and streams may take to finish. */
    shutdownGraceMs: z.int().min(0).default(25_000),
    /**
     * While draining, how long an idle keep-alive connection is left to its client (a load
     * balancer closes it, or sends one last request answered with `Connection: close`)
     * before the gateway closes it. Keep it above the balancer's upstream keep-alive timeout
     * (4 s in deploy/nginx/taogate.conf): a connection closed by the gateway while the
     * balancer writes a request onto it fails that request. Bounded by shutdownGraceMs.
     */
    shutdownIdleMs: z.int().min(0).default(5_000),
    /** Send x-taogate-* headers naming the chosen miner, strategy and fan-out. */
    exposeMinerHeaders: z.boolean().default(true),
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }).prefault({}),
  network: z.strictObject({
    /**
     * CIDRs the gateway may connect to although they are private, loopback or otherwise
     * non-public. Empty by default: chain-registered addresses are untrusted.
     */
    allowCidrs: z.array(z.string()).default([]),
  }).prefault({}),
  routing: z.strictObject({
    /** Share of traffic unproven miners may get while proven ones exist (discovery). */
    explorationShare: z.number().min(0).max(1).default(0.1),
    /** Completed calls after which a miner counts as proven. */
    provenAfter: z.int().min(0).default(3),
    /** Decay constant of the peak-EWMA latency estimators. */
    latencyTauMs: z.int().positive().default(10_000),
    /** Rolling window for success and error ratios. */
    windowMs: z.int().positive().default(60_000),
    cooldown: z.strictObject({
      /** Consecutive failures that open a miner's breaker. */
      failuresToOpen: z.int().positive().default(3),
      /** First cooldown; doubles each time the breaker re-opens. */
      baseMs: z.int().positive().default(5_000),
      maxMs: z.int().positive().default(300_000),
    }).prefault({}),
  }).prefault({}),
  models: z.record(z.string().regex(/^[\w.:/@-]{1,128}$/, 'model names use letters, digits and . _ : / @ -'), modelSchema)
    .refine((models) => Object.keys(models).length > 0, 'declare at least one model'),
  /** The gateway's hotkey; required when a model uses epistula or axon. */
  identity: identitySchema.optional(),
  /** How models with `source: { type: chain }` read the metagraph. */
  chain: chainSchema.prefault({}),
  /** Shared state of the replicas; without it, cache and limits live in process memory. */
  redis: redisSchema.optional(),
  cache: cacheSchema,
  auth: authSchema,
  rateLimits: rateLimitsSchema,
}).superRefine(requireIdentityForSigning).superRefine(requireOneWeightsValidatorPerSubnet);

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
