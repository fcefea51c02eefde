import { ERROR_CATALOGUE, type ErrorCode, type ErrorEnvelope } from './catalogue.js';

export interface GatewayErrorOptions {
  /** The request field at fault, for 400s (OpenAI's `param`). */
  param?: string | null;
  /** Seconds the client should wait before retrying (sets `Retry-After`). */
  retryAfterSeconds?: number;
  /** Extra response headers (e.g. `x-ratelimit-*`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error type of the gateway. Its message is written for clients: it must never
 * carry miner-supplied text, secrets or internal addresses.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.param = options.param ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  get type(): string {
    return ERROR_CATALOGUE[this.code].type;
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** The 404 OpenAI gives for a model it does not serve (or the caller may not see). */
export function modelNotFound(model: string): GatewayError {
  return new GatewayError('model_not_found', `The model '${model}' does not exist or you do not have access to it.`, { param: 'model' });
}

/** Any thrown value as a GatewayError; unknown errors become a generic 500 (details go to logs only). */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal_error', 'The gateway hit an internal error.', { cause: error });
}
