import type { InferenceRequest } from '../openai/types.js';

/** What the client asked of the cache, from `Cache-Control` and `x-taogate-cache`. */
export interface CacheDirectives {
  /** `Cache-Control: no-cache`: do not answer from the cache (a fresh answer may still be stored). */
  noCache: boolean;
  /** `Cache-Control: no-store`: do not store this answer (a cached one may still be served). */
  noStore: boolean;
  /** `x-taogate-cache: force`: cache this request although it is not deterministic. */
  force: boolean;
}

export const NO_DIRECTIVES: Readonly<CacheDirectives> = Object.freeze({ noCache: false, noStore: false, force: false });

/** Reads the request headers that steer the cache (no allocation when neither is sent). */
export function parseDirectives(cacheControl: string | undefined, taogateCache: string | undefined): Readonly<CacheDirectives> {
  if (cacheControl === undefined && taogateCache === undefined) return NO_DIRECTIVES;
  const directives: CacheDirectives = { noCache: false, noStore: false, force: false };
  for (const part of (cacheControl ?? '').toLowerCase().split(',')) {
    const name = part.split('=')[0]!.trim();
    if (name === 'no-cache') directives.noCache = true;
    else if (name === 'no-store') directives.noStore = true;
  }
  const mode = taogateCache?.trim().toLowerCase();
  if (mode === 'force') directives.force = true;
  else if (mode === 'bypass') directives.noCache = directives.noStore = true;
  return directives;
}

/** Whether to read and whether to write the cache for one request. */
export interface CachePlan {
  read: boolean;
  write: boolean;
}

const READ_WRITE: CachePlan = Object.freeze({ read: true, write: true });
const READ_ONLY: CachePlan = Object.freeze({ read: true, write: false });
const WRITE_ONLY: CachePlan = Object.freeze({ read: false, write: true });

export type ModelCacheMode = 'deterministic' | 'always' | 'off';

/**
 * The cache policy. A request is cacheable when its answer is meant to be repeatable
 * (temperature 0, or a seed given), when its model caches everything (`mode: always`), or
 * when the client forces it (`x-taogate-cache: force`); never when the model's mode is
 * `off`. Undefined means the cache is bypassed entirely.
 */
export function planCaching(request: InferenceRequest, mode: ModelCacheMode, directives: Readonly<CacheDirectives>): CachePlan | undefined {
  if (mode === 'off') return undefined;
  if (mode !== 'always' && !directives.force && !isDeterministic(request)) return undefined;
  if (directives.noCache) return directives.noStore ? undefined : WRITE_ONLY;
  return directives.noStore ? READ_ONLY : READ_WRITE;
}

/**
 * Temperature 0 or an explicit seed: the client asked for a repeatable answer, one every honest
 * miner should reproduce (so it may be cached, spliced across miners, or voted on).
 */
export function isDeterministic(request: InferenceRequest): boolean {
  const { temperature, seed } = request.params;
  return temperature === 0 || (seed !== undefined && seed !== null);
}
