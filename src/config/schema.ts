import { z } from 'zod';
import { modelSchema } from './modelSchema.js';
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
  models: z.record(z.string().regex(/^[\w.:/@-]{1,128}$/, 'model names use letters, digits and . _ : / @ -'), modelSchema)
    .refine((models) => Object.keys(models).length > 0, 'declare at least one model'),
  /** Shared state of the replicas; without it, cache and limits live in process memory. */
  redis: redisSchema.optional(),
  cache: cacheSchema,
  auth: authSchema,
  rateLimits: rateLimitsSchema,
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
