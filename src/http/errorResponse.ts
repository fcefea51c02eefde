import { GatewayError } from '../errors/gatewayError.js';

/** Renders a GatewayError as its OpenAI envelope, with Retry-After and extra headers. */
export function errorResponse(error: GatewayError, requestId: string, extraHeaders: Record<string, string> = {}): Response {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': requestId,
    ...error.headers,
    ...extraHeaders,
  };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return new Response(JSON.stringify(error.toEnvelope()), { status: error.status, headers });
}
