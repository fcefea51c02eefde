import { GatewayError } from '../errors/gatewayError.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Answer, InferenceRequest } from '../openai/types.js';
import { estimatePromptTokens } from '../openai/usage.js';
import type { Principal } from './apiKeys.js';
import type { Authenticator } from './authenticator.js';
import type { RateLimitStore } from './rateLimiter.js';
import type { Decision, LimitState } from './slidingWindow.js';
import type { UsageRecorder } from './usage.js';

/** A request let in: the headers its response carries, and where its answer is accounted. */
export interface Admission {
  /** `x-ratelimit-*` headers (undefined when the key has no limits). */
  headers: Record<string, string> | undefined;
  /** Called once with the whole answer the client got (usage counters, token window). */
  answered(answer: Answer, cached: boolean): void;
}

export interface AccessGateOptions {
  authenticator: Authenticator;
  limiter: RateLimitStore;
  usage: UsageRecorder;
  metrics: Metrics;
}

/**
 * Who may call, and how much: API keys, then the key's rate limits, both before the
 * pipeline spends anything. Token limits are charged twice: the prompt's estimate when the
 * request is let in (so a burst of big prompts is stopped early), and the difference to the
 * real usage once the answer is known.
 */
export class AccessGate {
  readonly #authenticator: Authenticator;
  readonly #limiter: RateLimitStore;
  readonly #usage: UsageRecorder;
  readonly #metrics: Metrics;
  readonly #unlimited = new WeakMap<Principal, Admission>();

  constructor(options: AccessGateOptions) {
    this.#authenticator = options.authenticator;
    this.#limiter = options.limiter;
    this.#usage = options.usage;
    this.#metrics = options.metrics;
  }

  /** The caller, or a 401 (see Authenticator). */
  authenticate(header: string | undefined): Principal | Promise<Principal> {
    try {
      const principal = this.#authenticator.authenticate(header);
      return principal instanceof Promise ? principal.catch((error: unknown) => this.#refused(error)) : principal;
    } catch (error) {
      return this.#refused(error);
    }
  }

  /**
   * Lets one request of `principal` in, or throws a 429 with Retry-After and x-ratelimit-*
   * headers. Without limits the admission is synchronous, like authenticate: no await on
   * every request for nothing.
   */
  admit(principal: Principal, request: InferenceRequest): Admission | Promise<Admission> {
    const { id, limits } = principal;
    if (limits.requestsPerMinute === undefined && limits.tokensPerMinute === undefined) {
      this.#usage.admitted(id);
      // Principals are long-lived (config keys, anonymous, remembered Redis keys): one admission each.
      let admission = this.#unlimited.get(principal);
      if (admission === undefined) {
        admission = { headers: undefined, answered: (answer, cached) => this.#usage.answered(id, answer.usage, cached) };
        this.#unlimited.set(principal, admission);
      }
      return admission;
    }
    return this.#admitLimited(principal, request);
  }

  async #admitLimited(principal: Principal, request: InferenceRequest): Promise<Admission> {
    const { id, limits } = principal;
    const tpm = limits.tokensPerMinute;
    const prompt = tpm === undefined ? 0 : estimatePromptTokens(request);
    const decision = await this.#limiter.admit(id, limits, prompt);
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) throw this.#limited(principal, decision, headers);
    this.#usage.admitted(id);
    return {
      headers,
      answered: (answer, cached) => {
        this.#usage.answered(id, answer.usage, cached);
        if (tpm !== undefined && answer.usage !== undefined) void this.#limiter.charge(id, answer.usage.total_tokens - prompt);
      },
    };
  }

  #limited(principal: Principal, decision: Decision, headers: Record<string, string>): GatewayError {
    const byTokens = decision.refusedBy === 'tokens';
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    this.#metrics.rateLimited.inc({ key: principal.id, limit: byTokens ? 'tokens' : 'requests' });
    const limit = byTokens ? decision.tokens!.limit : decision.requests!.limit;
    const message = byTokens
      ? `Rate limit reached for tokens per minute (TPM): limit ${limit}. Please try again in ${seconds}s.`
      : `Rate limit reached for requests per minute (RPM): limit ${limit}. Please try again in ${seconds}s.`;
    return new GatewayError(byTokens ? 'token_rate_limit_exceeded' : 'rate_limit_exceeded', message, { retryAfterSeconds: seconds, headers });
  }

  #refused(error: unknown): never {
    if (error instanceof GatewayError) this.#metrics.authFailures.inc({ code: error.code });
    throw error;
  }
}

/** OpenAI's rate-limit headers, for the limits the key has. */
export function rateLimitHeaders(decision: Decision): Record<string, string> {
  const headers: Record<string, string> = {};
  const put = (kind: 'requests' | 'tokens', state: LimitState | undefined): void => {
    if (state === undefined) return;
    headers[`x-ratelimit-limit-${kind}`] = String(state.limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(state.remaining);
    headers[`x-ratelimit-reset-${kind}`] = formatDuration(state.resetMs);
  };
  put('requests', decision.requests);
  put('tokens', decision.tokens);
  return headers;
}

/** `850ms`, `12s`, `1m5s`: the duration format OpenAI uses in x-ratelimit-reset-*. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(1, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
