import type { AuthConfig, RateLimitsConfig } from '../config/stateSchema.js';
import { GatewayError } from '../errors/gatewayError.js';
import { MemoryLru } from '../cache/memoryLru.js';
import { ANONYMOUS_ID, bearerToken, hashApiKey, type Limits, type Principal, type StoredKey } from './apiKeys.js';
import { UNAVAILABLE, type KeyLookup } from './keyLookup.js';

/** A key Redis confirmed, and when. */
interface Known {
  principal: Principal;
  fetchedAt: number;
}

/** How long a replica remembers a key Redis does not know (protects Redis from floods of bad keys). */
const NEGATIVE_TTL_MS = 1_000;
/** How long a key Redis confirmed stays usable while Redis is down. */
const LAST_KNOWN_GOOD_MS = 60 * 60 * 1000;

export interface AuthenticatorOptions {
  auth: AuthConfig;
  defaults: RateLimitsConfig;
  /** Keys kept in Redis; absent without Redis. */
  lookup?: KeyLookup;
  now?: () => number;
}

/**
 * Turns an `Authorization: Bearer` header into a Principal, or a 401. Config keys are
 * checked first, in memory; then keys in Redis, whose answers are remembered for
 * `lookupCacheMs` (so a request normally costs no Redis round trip for its key, and a
 * revocation reaches every replica within that time). While Redis is down, keys it
 * confirmed before keep working; keys never seen are refused with 503, not 401, since
 * they may well be valid.
 */
export class Authenticator {
  readonly #open: boolean;
  readonly #configKeys: ReadonlyMap<string, Principal>;
  readonly #anonymous: Principal;
  readonly #defaults: Limits;
  readonly #lookup: KeyLookup | undefined;
  readonly #lookupCacheMs: number;
  /** Confirmed keys: the last known good while Redis is down. */
  readonly #known: MemoryLru<Known>;
  /**
   * Keys Redis did not know, for NEGATIVE_TTL_MS. Apart from #known, so that a flood of bad
   * keys cannot evict the confirmed ones an outage depends on.
   */
  readonly #refused: MemoryLru<true>;
  readonly #now: () => number;

  constructor(options: AuthenticatorOptions) {
    const { auth, defaults } = options;
    this.#open = auth.mode === 'open';
    this.#defaults = { requestsPerMinute: defaults.requestsPerMinute, tokensPerMinute: defaults.tokensPerMinute };
    this.#anonymous = Object.freeze({ id: ANONYMOUS_ID, anonymous: true, limits: this.#defaults });
    this.#configKeys = new Map(auth.keys.map((k) => [k.sha256, Object.freeze({ id: k.id, anonymous: false, limits: this.#limitsOf(k) })]));
    this.#lookup = options.lookup;
    this.#lookupCacheMs = auth.lookupCacheMs;
    this.#now = options.now ?? Date.now;
    this.#known = new MemoryLru<Known>({ maxEntries: 10_000, maxBytes: 10_000, now: this.#now });
    this.#refused = new MemoryLru<true>({ maxEntries: 10_000, maxBytes: 10_000, now: this.#now });
  }

  /** True when no key can ever be accepted (keys mode with neither config keys nor Redis). */
  get locked(): boolean {
    return !this.#open && this.#configKeys.size === 0 && this.#lookup === undefined;
  }

  /** The caller of a request, or a GatewayError (401, or 503 when its key cannot be checked now). */
  authenticate(header: string | undefined): Principal | Promise<Principal> {
    const token = bearerToken(header);
    if (token === undefined) {
      if (this.#open) return this.#anonymous;
      throw new GatewayError('missing_api_key', "You didn't provide an API key. Send it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).");
    }
    const sha256 = hashApiKey(token);
    const configured = this.#configKeys.get(sha256);
    if (configured !== undefined) return configured;
    if (this.#lookup === undefined) return this.#unknown();
    const known = this.#known.get(sha256);
    if (known !== undefined && this.#now() - known.fetchedAt < this.#lookupCacheMs) return known.principal;
    if (this.#refused.get(sha256) !== undefined) return this.#unknown();
    return this.#fetch(sha256, known);
  }

  async #fetch(sha256: string, known: Known | undefined): Promise<Principal> {
    const found = await this.#lookup!.find(sha256);
    if (found === UNAVAILABLE) {
      if (known !== undefined) return known.principal;
      if (this.#open) return this.#anonymous;
      throw new GatewayError('service_unavailable', 'Your API key cannot be checked right now; please retry shortly.', { retryAfterSeconds: 1 });
    }
    if (found === undefined || found.revokedAt !== undefined) {
      this.#known.delete(sha256); // revoked: no longer good, not even during an outage
      this.#refused.set(sha256, true, 1, NEGATIVE_TTL_MS);
      return this.#unknown();
    }
    const principal = Object.freeze({ id: found.id, anonymous: false, limits: this.#limitsOf(found) });
    this.#known.set(sha256, { principal, fetchedAt: this.#now() }, 1, LAST_KNOWN_GOOD_MS);
    return principal;
  }

  #unknown(): Principal {
    // Open access still serves a client whose SDK insists on sending some key.
    if (this.#open) return this.#anonymous;
    throw new GatewayError('invalid_api_key', 'Incorrect API key provided. Check the key, or ask the gateway operator for one.');
  }

  #limitsOf(key: Pick<StoredKey, 'requestsPerMinute' | 'tokensPerMinute'>): Limits {
    return {
      requestsPerMinute: key.requestsPerMinute ?? this.#defaults.requestsPerMinute,
      tokensPerMinute: key.tokensPerMinute ?? this.#defaults.tokensPerMinute,
    };
  }
}
