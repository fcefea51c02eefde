import type { ErrorCode } from '../errors/catalogue.js';

/**
 * Every way a miner call can fail, each mapped once to: whether it ends the whole fan-out (the
 * request itself is at fault, so every miner would fail it the same way),
 * the gateway error a client sees when nothing else succeeds, and the telemetry class that
 * health scoring counts. Miner-supplied text is never kept here.
 */
export const MINER_FAILURES = {
  connect_error: { fatal: false, gateway: 'miner_error', class: 'connect' },
  blocked_address: { fatal: false, gateway: 'miner_error', class: 'connect' },
  connect_timeout: { fatal: false, gateway: 'miner_timeout', class: 'timeout' },
  first_byte_timeout: { fatal: false, gateway: 'miner_timeout', class: 'timeout' },
  idle_timeout: { fatal: false, gateway: 'miner_timeout', class: 'timeout' },
  /** The call's own time limit ran out; the fan-out's deadline decides whether another miner fits. */
  total_timeout: { fatal: false, gateway: 'miner_timeout', class: 'timeout' },
  reset: { fatal: false, gateway: 'miner_error', class: 'connect' },
  http_error: { fatal: false, gateway: 'miner_error', class: 'http' },
  rate_limited: { fatal: false, gateway: 'miners_overloaded', class: 'rate_limited' },
  /** 401/403: this miner does not accept our hotkey; another may. */
  rejected_auth: { fatal: false, gateway: 'miner_rejected_request', class: 'rejected' },
  /** 400/422: the miner says the request itself is malformed; resending it elsewhere would repeat that. */
  rejected_malformed: { fatal: true, gateway: 'miner_rejected_request', class: 'rejected' },
  /** The prompt does not fit the model: the same for every miner, so never retried. */
  context_length_exceeded: { fatal: true, gateway: 'context_length_exceeded', class: 'client' },
  bad_response: { fatal: false, gateway: 'miner_error', class: 'protocol' },
  too_large: { fatal: false, gateway: 'miner_error', class: 'protocol' },
  truncated: { fatal: false, gateway: 'miner_error', class: 'protocol' },
  invalid_answer: { fatal: false, gateway: 'miner_error', class: 'protocol' },
  /** Cancelled by us (client gone, or another miner won the race): not the miner's fault, nor the request's. */
  cancelled: { fatal: false, gateway: 'service_unavailable', class: 'cancelled' },
} as const satisfies Record<string, { fatal: boolean; gateway: ErrorCode; class: string }>;

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

  /** The request itself was refused: asking another miner would only repeat this. */
  get fatal(): boolean {
    return MINER_FAILURES[this.code].fatal;
  }

  /** The gateway error this failure means for a client. */
  get gateway(): ErrorCode {
    return MINER_FAILURES[this.code].gateway;
  }

  get failureClass(): MinerFailureClass {
    return MINER_FAILURES[this.code].class;
  }
}

/** Any error from a miner call as a MinerError: what is not one already is a bad response. */
export function asMinerError(error: unknown): MinerError {
  return error instanceof MinerError ? error : new MinerError('bad_response', String(error), { cause: error });
}
