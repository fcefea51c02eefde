/**
 * Every error a client can see, in one table: HTTP status, OpenAI error `type`, and the
 * `code` that also labels metrics. Adding an error means adding a row here, nowhere else.
 */
export const ERROR_CATALOGUE = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unsupported_parameter: { status: 400, type: 'invalid_request_error' },
  unsupported_value: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  missing_api_key: { status: 401, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  rate_limit_exceeded: { status: 429, type: 'requests' },
  token_rate_limit_exceeded: { status: 429, type: 'tokens' },
  internal_error: { status: 500, type: 'server_error' },
  miner_error: { status: 502, type: 'server_error' },
  miner_rejected_request: { status: 502, type: 'server_error' },
  no_eligible_miners: { status: 503, type: 'server_error' },
  miners_overloaded: { status: 503, type: 'server_error' },
  service_unavailable: { status: 503, type: 'server_error' },
  miner_timeout: { status: 504, type: 'server_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The OpenAI error envelope, exactly as clients receive it. */
export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}
