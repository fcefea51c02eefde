import { createHash, randomBytes } from 'node:crypto';

/** A key's own limits; absent fields fall back to `rateLimits` in config. */
export interface Limits {
  requestsPerMinute?: number | undefined;
  tokensPerMinute?: number | undefined;
}

/** Who is calling: an API key (by id, never the key itself), or anonymous open access. */
export interface Principal {
  id: string;
  anonymous: boolean;
  limits: Limits;
}

/** A key kept in Redis (managed with `taogate keys`). Only the key's hash is stored. */
export interface StoredKey {
  id: string;
  sha256: string;
  name?: string;
  createdAt: number;
  revokedAt?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** Per-key usage counters. */
export interface KeyUsage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Requests answered from the cache (no miner asked). */
  cached: number;
}

export const ANONYMOUS_ID = 'anonymous';

/** Keys look like `sk-tg-` + 32 base64url characters (192 random bits). */
export function generateApiKey(): string {
  return `sk-tg-${randomBytes(24).toString('base64url')}`;
}

/**
 * SHA-256 (hex) of a key, which is all the gateway stores. A fast hash is enough: keys are
 * 192 random bits, so there is nothing to brute-force; a slow KDF would only slow requests.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A key's public id (`key_` + 12 hex): what lists, logs, metrics and limits name it by. */
export function generateKeyId(): string {
  return `key_${randomBytes(6).toString('hex')}`;
}

/** The bearer token of an Authorization header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  const token = header.slice(space + 1).trim();
  return token.length === 0 ? undefined : token;
}
