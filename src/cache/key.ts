import { hash } from 'node:crypto';
import type { Endpoint, InferenceRequest } from '../openai/types.js';

/**
 * Bumped whenever the encoding below or the stored entry changes meaning: old entries are
 * then simply never found again (and expire).
 */
export const CACHE_KEY_VERSION = 1;

/**
 * The request fields that change the answer, per endpoint. Only these make the key, so two
 * requests that differ in anything else (`user`, `stream`, `stream_options`) share an entry.
 * An allow-list on purpose: a field added to the request schemas and not listed here or in
 * IGNORED_FIELDS makes requests carrying it uncacheable (and fails a test) until someone
 * decides which list it belongs to.
 */
export const KEY_FIELDS: Readonly<Record<Endpoint, ReadonlySet<string>>> = {
  chat: new Set([
    'messages', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format',
    'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop', 'seed',
    'frequency_penalty', 'presence_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'n',
  ]),
  completions: new Set([
    'prompt', 'suffix', 'echo', 'temperature', 'top_p', 'max_tokens', 'stop', 'seed',
    'frequency_penalty', 'presence_penalty', 'logit_bias', 'logprobs', 'n', 'best_of',
  ]),
};

/**
 * Fields that do not change the answer. `model` is part of the key on its own; `stream` and
 * `stream_options` only change how the answer is sent (a cached answer is rendered either way).
 */
export const IGNORED_FIELDS: ReadonlySet<string> = new Set(['user', 'model', 'stream', 'stream_options']);

/**
 * The cache key of a request: a versioned SHA-256 over the endpoint, the public model name,
 * the namespace (an API key id, or '' when keys share the cache) and a canonical encoding of
 * the allow-listed fields (object keys sorted, no whitespace, top-level nulls dropped as the
 * API treats them as absent). Undefined when the request has a field nobody classified.
 */
export function cacheKey(request: InferenceRequest, namespace: string): string | undefined {
  // Frozen requests are shared by every request with the same body (see RequestMemo): key them once.
  const known = Object.isFrozen(request) ? memo.get(request) : undefined;
  if (known !== undefined && known.namespace === namespace) return known.key;
  const key = computeKey(request, namespace);
  if (Object.isFrozen(request)) memo.set(request, { namespace, key });
  return key;
}

const memo = new WeakMap<InferenceRequest, { namespace: string; key: string | undefined }>();

function computeKey(request: InferenceRequest, namespace: string): string | undefined {
  const allowed = KEY_FIELDS[request.endpoint];
  const params = request.params;
  const names = Object.keys(params).sort();
  let body = '';
  for (const name of names) {
    const value = params[name];
    if (value === undefined || value === null) continue;
    if (!allowed.has(name)) {
      if (IGNORED_FIELDS.has(name)) continue;
      return undefined;
    }
    body += `${body.length === 0 ? '' : ','}${JSON.stringify(name)}:${canonicalJson(value)}`;
  }
  const material = `v${CACHE_KEY_VERSION}\n${request.endpoint}\n${request.model}\n${namespace}\n{${body}}`;
  return `v${CACHE_KEY_VERSION}:${hash('sha256', material, 'base64url')}`;
}

/** JSON with object keys in sorted order and no whitespace: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i === 0 ? '' : ','}${canonicalJson(value[i])}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const child = record[key];
    if (child === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(child)}`;
    first = false;
  }
  return `${out}}`;
}
