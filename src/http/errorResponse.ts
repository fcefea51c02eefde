import { GatewayError, toGatewayError } from '../errors/gatewayError.js';
import type { Logger } from '../logging/logger.js';

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

/** The error as a GatewayError carrying extra response headers (the original stays as its cause). */
export function withHeaders(error: unknown, headers: Record<string, string>): GatewayError {
  const base = toGatewayError(error);
  return new GatewayError(base.code, base.message, {
    param: base.param,
    ...(base.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: base.retryAfterSeconds }),
    headers: { ...base.headers, ...headers },
    cause: base.cause ?? error,
  });
}

/** Any error as the OpenAI envelope the client gets; unexpected ones are logged (never sent). */
export function renderError(error: unknown, requestId: string, logger: Logger): Response {
  const gatewayError = toGatewayError(error);
  if (gatewayError.status >= 500 && gatewayError.code === 'internal_error') {
    logger.error({ reqId: requestId, err: error }, 'unhandled error');
  }
  return errorResponse(gatewayError, requestId);
}
