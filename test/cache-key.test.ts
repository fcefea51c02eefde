import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson, IGNORED_FIELDS, KEY_FIELDS } from '../src/cache/key.js';
import { parseDirectives, planCaching } from '../src/cache/policy.js';
import { parseInferenceRequest } from '../src/openai/request.js';
import { chatRequestSchema, completionRequestSchema } from '../src/openai/requestSchemas.js';

const chat = (body: Record<string, unknown>) => parseInferenceRequest('chat', { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body });

describe('the cache key', () => {
  it('covers every request field: each one is either in the key or deliberately ignored', () => {
    for (const [endpoint, schema] of [['chat', chatRequestSchema], ['completions', completionRequestSchema]] as const) {
      const classified = new Set([...KEY_FIELDS[endpoint], ...IGNORED_FIELDS]);
      const fields = Object.keys(schema.shape);
      expect(fields.filter((f) => !classified.has(f)), `unclassified ${endpoint} fields`).toEqual([]);
      expect([...KEY_FIELDS[endpoint]].filter((f) => !fields.includes(f)), `${endpoint} key fields the schema does not have`).toEqual([]);
    }
  });

  it('is the same for equal JSON in any key order, and differs when an answer-changing field does', () => {
    const a = chat({ temperature: 0, tools: [{ type: 'function', function: { name: 'f', parameters: { b: 1, a: 2 } } }] });
    const b = parseInferenceRequest('chat', {
      tools: [{ function: { parameters: { a: 2, b: 1 }, name: 'f' }, type: 'function' }], temperature: 0, messages: [{ content: 'hi', role: 'user' }], model: 'm',
      user: 'u', stream: true, stream_options: { include_usage: true },
    });
    expect(cacheKey(a, '')).toBe(cacheKey(b, ''));
    expect(cacheKey(a, '')).toMatch(/^v1:[\w-]{43}$/);
    for (const change of [{ temperature: 0.5 }, { seed: 1 }, { max_tokens: 9 }, { stop: ['x'] }, { response_format: { type: 'json_object' } }, { tool_choice: 'none' }, { logprobs: true }]) {
      expect(cacheKey(chat({ temperature: 0, ...change }), '')).not.toBe(cacheKey(chat({ temperature: 0 }), ''));
    }
    expect(cacheKey(chat({ temperature: 0 }), 'alice')).not.toBe(cacheKey(chat({ temperature: 0 }), 'bob'));
    expect(cacheKey({ ...chat({ temperature: 0 }), model: 'other' }, '')).not.toBe(cacheKey(chat({ temperature: 0 }), ''));
    // null is "not given" for top-level parameters.
    expect(cacheKey(chat({ temperature: 0, seed: null }), '')).toBe(cacheKey(chat({ temperature: 0 }), ''));
  });

  it('refuses requests carrying a field nobody classified', () => {
    const request = chat({ temperature: 0 });
    expect(cacheKey({ ...request, params: { ...request.params, brand_new_field: 1 } }, '')).toBeUndefined();
  });

  it('encodes canonically: sorted keys, no whitespace', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true, skip: undefined })).toBe('{"a":true,"b":[1,{"c":"x","d":null}]}');
  });
});

describe('the cache policy', () => {
  const none = parseDirectives(undefined, undefined);
  it('caches deterministic requests only, unless the model or the client says otherwise', () => {
    expect(planCaching(chat({ temperature: 0 }), 'deterministic', none)).toEqual({ read: true, write: true });
    expect(planCaching(chat({ seed: 3, temperature: 1 }), 'deterministic', none)).toEqual({ read: true, write: true });
    expect(planCaching(chat({}), 'deterministic', none)).toBeUndefined();
    expect(planCaching(chat({}), 'always', none)).toEqual({ read: true, write: true });
    expect(planCaching(chat({}), 'deterministic', parseDirectives(undefined, 'force'))).toEqual({ read: true, write: true });
    expect(planCaching(chat({ temperature: 0 }), 'off', parseDirectives(undefined, 'force'))).toBeUndefined();
  });

  it('reads Cache-Control', () => {
    const det = chat({ temperature: 0 });
    expect(planCaching(det, 'deterministic', parseDirectives('no-cache', undefined))).toEqual({ read: false, write: true });
    expect(planCaching(det, 'deterministic', parseDirectives('max-age=0, No-Store', undefined))).toEqual({ read: true, write: false });
    expect(planCaching(det, 'deterministic', parseDirectives('no-store,no-cache', undefined))).toBeUndefined();
    expect(planCaching(det, 'deterministic', parseDirectives(undefined, 'bypass'))).toBeUndefined();
  });
});
