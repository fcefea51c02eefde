import type { z } from 'zod';
import { GatewayError } from '../errors/gatewayError.js';
import { chatRequestSchema, completionRequestSchema } from './requestSchemas.js';
import type { Endpoint, InferenceRequest } from './types.js';

const SCHEMAS = { chat: chatRequestSchema, completions: completionRequestSchema } as const;

/** Fields the gateway handles itself rather than passing to miners. */
const GATEWAY_FIELDS = new Set(['model', 'stream', 'stream_options']);

/**
 * Validates a parsed JSON body for one endpoint. Errors are 400s that name the offending
 * parameter the way OpenAI does (`messages[0].role`).
 */
export function parseInferenceRequest(endpoint: Endpoint, body: unknown): InferenceRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const result = SCHEMAS[endpoint].safeParse(body);
  if (!result.success) throw toRequestError(result.error);
  const data = result.data as Record<string, unknown> & { model: string; stream?: boolean | null; stream_options?: { include_usage?: boolean } | null };
  const stream = data.stream === true;
  if (!stream && data.stream_options != null) {
    throw new GatewayError('invalid_request', 'stream_options is only allowed when stream is true.', { param: 'stream_options' });
  }
  const params: Record<string, unknown> = {};
  for (const key in data) {
    if (!GATEWAY_FIELDS.has(key) && data[key] !== undefined) params[key] = data[key];
  }
  return {
    endpoint,
    model: data.model,
    stream,
    includeUsage: stream && data.stream_options?.include_usage === true,
    params,
  };
}

function toRequestError(error: z.ZodError): GatewayError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
    const key = issue.keys[0]!;
    return new GatewayError('unsupported_parameter', `Unsupported parameter: '${key}' is not supported by this gateway.`, { param: key });
  }
  const param = formatParam(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return new GatewayError('invalid_request', `Unrecognized field '${key}' in ${param}.`, { param: `${param}.${key}` });
  }
  if (param === 'n' || param === 'best_of') {
    return new GatewayError('unsupported_value', `Unsupported value: '${param}' must be 1; this gateway returns one choice per request.`, { param });
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return new GatewayError('invalid_request', `Missing required parameter: '${param}'.`, { param });
  }
  return new GatewayError('invalid_request', `Invalid value for '${param}': ${issue.message}.`, { param });
}

/** ['messages', 0, 'role'] → 'messages[0].role' */
export function formatParam(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out.length === 0 ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
