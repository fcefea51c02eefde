import type { ErrorCode } from '../errors/catalogue.js';

/**
 * Every way a miner call can fail, each mapped once to: whether another miner may be tried,
 * the gateway error a client sees when nothing else succeeds, and the telemetry class that
 * health scoring counts. Miner-supplied text is never kept here.
 */
export const MINER_FAILURES = {
  connect_error: { retryable: true, gateway: 'miner_error', class: 'connect' },
  blocked_address: { retryable: true, gateway: 'miner_error', class: 'connect' },
  connect_timeout: { retryable: true, gateway: 'miner_timeout', class: 'timeout' },
  first_byte_timeout: { retryable: true, gateway: 'miner_timeout', class: 'timeout' },
  idle_timeout: { retryable: true, gateway: 'miner_timeout', class: 'timeout' },
  /** The call's own time limit ran out; the fan-out's deadline decides whether another miner fits. */
  total_timeout: { retryable: true, gateway: 'miner_timeout', class: 'timeout' },
  reset: { retryable: true, gateway: 'miner_error', class: 'connect' },
  http_error: { retryable: true, gateway: 'miner_error', class: 'http' },
  rate_limited: { retryable: true, gateway: 'miners_overloaded', class: 'rate_limited' },
  /** 401/403: this miner does not accept our hotkey; another may. */
  rejected_auth: { retryable: true, gateway: 'miner_rejected_request', class: 'rejected' },
  /** 400/422: the miner says the request itself is malformed; resending it elsewhere would repeat that. */
  rejected_malformed: { retryable: false, gateway: 'miner_rejected_request', class: 'rejected' },
  /** The prompt does not fit the model: the same for every miner, so never retried. */
  context_length_exceeded: { retryable: false, gateway: 'context_length_exceeded', class: 'client' },
  bad_response: { retryable: true, gateway: 'miner_error', class: 'protocol' },
  too_large: { retryable: true, gateway: 'miner_error', class: 'protocol' },
  truncated: { retryable: true, gateway: 'miner_error', class: 'protocol' },
  invalid_answer: { retryable: true, gateway: 'miner_error', class: 'protocol' },
  /** Cancelled by us (client gone, or another miner won the race): not the miner's fault. */
  cancelled: { retryable: false, gateway: 'service_unavailable', class: 'cancelled' },
} as const satisfies Record<string, { retryable: boolean; gateway: ErrorCode; class: string }>;

export type MinerFailureCode = keyof typeof MINER_FAILURES;
export type MinerFailureClass = (typeof MINER_FAILURES)[MinerFailureCode]['class'];

/** A failed call to one miner. `detail` is for logs only (never shown to clients). */
export class MinerError extends Error {
  readonly code: MinerFailureCode;
  readonly detail: string;
  /** From the miner's Retry-After, in seconds, when it sent one. */
  readonly retryAfterSeconds: number | undefined;
  /** HTTP status the miner answered with, when there was one. */
  readonly status: number | undefined;

  constructor(code: MinerFailureCode, detail: string, extra: { retryAfterSeconds?: number; status?: number; cause?: unknown } = {}) {
    super(`miner call failed: ${code}`, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'MinerError';
    this.code = code;
    this.detail = detail;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.status = extra.status;
  }

  get retryable(): boolean {
    return MINER_FAILURES[this.code].retryable;
  }

  /** The gateway error this failure means for a client. */
  get gateway(): ErrorCode {
    return MINER_FAILURES[this.code].gateway;
  }

  get failureClass(): MinerFailureClass {
    return MINER_FAILURES[this.code].class;
  }
}
