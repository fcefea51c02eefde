import { parseInferenceRequest } from '../openai/request.js';
import type { Endpoint, InferenceRequest } from '../openai/types.js';
import { parseJsonText } from './body.js';

/**
 * Validated requests by their exact body text. Clients that repeat a request (the traffic a
 * response cache serves) send the same bytes each time: the JSON parse and the schema check
 * are then done once, and the request object is shared, so work keyed on it (the cache key)
 * is done once too. Shared objects are deep-frozen: nothing downstream may change a request.
 * Bounded: small bodies only, at most `maxEntries`, oldest first out.
 */
export class RequestMemo {
  readonly #byEndpoint: Record<Endpoint, Map<string, InferenceRequest>> = { chat: new Map(), completions: new Map() };
  readonly #maxEntries: number;
  readonly #maxBodyChars: number;

  constructor(maxEntries = 1_024, maxBodyChars = 16 * 1024) {
    this.#maxEntries = maxEntries;
    this.#maxBodyChars = maxBodyChars;
  }

  /** The validated request for this body (throws the same 400s as parsing it would). */
  parse(endpoint: Endpoint, text: string): InferenceRequest {
    if (text.length > this.#maxBodyChars) return parseInferenceRequest(endpoint, parseJsonText(text));
    const memo = this.#byEndpoint[endpoint];
    const known = memo.get(text);
    if (known !== undefined) return known;
    const request = deepFreeze(parseInferenceRequest(endpoint, parseJsonText(text)));
    if (memo.size >= this.#maxEntries) memo.delete(memo.keys().next().value!);
    memo.set(text, request);
    return request;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
