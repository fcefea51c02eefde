import { describe, expect, it } from 'vitest';
import { ChunkShape, literalEscapes } from '../src/openai/chunkShape.js';
import { deltaFromChunk } from '../src/openai/minerOutput.js';
import { seededRandom } from '../src/routing/clock.js';
import type { Endpoint, StreamDelta } from '../src/openai/types.js';

/** What the parser and the sanitiser make of a chunk, or 'rejected'. */
function slow(endpoint: Endpoint, data: string): StreamDelta | 'rejected' {
  try {
    return deltaFromChunk(endpoint, JSON.parse(data));
  } catch {
    return 'rejected';
  }
}

const chat = (content: string, extra = ''): string =>
  `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":${content}}${extra},"logprobs":null,"finish_reason":null}]}`;

/** Literals of every kind: plain, escaped, unicode, and broken ones the parser refuses. */
function literals(random: () => number): string[] {
  const pieces = ['a', ' ', 'word', '\\"', '\\\\', '\\/', '\\n', '\\t', '\\r', '\\b', '\\f', '\\u0041', '\\u00e9', '\\ud83d\\ude80', '\\ud800', 'é', '🚀', '\u2028', '"', '\\', '\\x', '\\u12', '\u0001', '\t', '\\u00zz', '}', '"}', ','];
  const out = ['""', '"x"', '"', 'x', '"a"b"', '"a\\"', '"\\u0041"', '"\\\\"', '"\\"'];
  for (let n = 0; n < 3000; n++) {
    let text = '';
    const count = 1 + Math.floor(random() * 6);
    for (let i = 0; i < count; i++) text += pieces[Math.floor(random() * pieces.length)]!;
    out.push(random() < 0.9 ? `"${text}"` : text);
  }
  return out;
}

describe('learned chunk shapes', () => {
  it('give exactly what parsing and sanitising give, for thousands of literals, or defer to the parser', () => {
    const shape = ChunkShape.learn('chat', chat('"first"'), { text: 'first' })!;
    expect(shape).toBeDefined();
    let fast = 0;
    for (const literal of literals(seededRandom(7))) {
      const data = chat(literal);
      const matched = shape.match(data);
      const expected = slow('chat', data);
      if (matched === undefined) {
        // Deferring is always allowed; it is only expected for what is not a non-empty text literal.
        if (expected !== 'rejected' && expected.text !== undefined && !literal.includes('\\') && !literal.slice(1, -1).includes('"')) {
          expect.fail(`a plain literal took the slow path: ${literal}`);
        }
        continue;
      }
      fast++;
      expect(matched).toEqual(expected);
    }
    expect(fast).toBeGreaterThan(1000);
  });

  it('works for completions chunks too', () => {
    const completion = (text: string): string => `{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"text":${text},"index":0,"logprobs":null,"finish_reason":null}]}`;
    const shape = ChunkShape.learn('completions', completion('"a"'), { text: 'a' })!;
    expect(shape).toBeDefined();
    for (const literal of ['"hello"', '"l\\u00e9"', '"a\\nb"']) expect(shape.match(completion(literal))).toEqual(slow('completions', completion(literal)));
    expect(shape.match(chat('"hello"'))).toBeUndefined();
  });

  it('is not learned where the text is not what the sanitiser reads', () => {
    const cases: Array<[string, StreamDelta]> = [
      // A duplicate key: the parser keeps the last one.
      ['{"choices":[{"index":0,"delta":{"content":"a","\\u0063ontent":"b"}}]}', { text: 'b' }],
      ['{"choices":[{"index":0,"delta":{"content":"a","content":"b"}}]}', { text: 'b' }],
      // The literal found is in a second choice; the sanitiser reads choice 0.
      ['{"choices":[{"index":1,"delta":{"content":"a"}},{"index":0,"delta":{"\\u0063ontent":"b"}}]}', { text: 'b' }],
      // "content" inside another string.
      ['{"id":"\\"content\\":\\"zz\\"","choices":[{"index":0,"delta":{"\\u0063ontent":"b"}}]}', { text: 'b' }],
      // Not text-only: a finish reason comes with it.
      ['{"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}', { text: 'a', finishReason: 'stop' }],
      // An error object beside the text.
      ['{"error":{"message":"no"},"choices":[{"index":0,"delta":{"content":"a"}}]}', { text: 'a' }],
    ];
    for (const [data, delta] of cases) expect(ChunkShape.learn('chat', data, delta)).toBeUndefined();
  });

  it('never matches a chunk that differs from the shape outside its text', () => {
    const shape = ChunkShape.learn('chat', chat('"first"'), { text: 'first' })!;
    expect(shape.match(chat('"x"', ',"role":"assistant"'))).toBeUndefined();
    expect(shape.match(chat('"x"').replace('"finish_reason":null', '"finish_reason":"stop"'))).toBeUndefined();
    expect(shape.match(chat('"x"').replace('chatcmpl-1', 'chatcmpl-2'))).toBeUndefined();
    expect(shape.match(`${chat('"x"')} `)).toBeUndefined();
    expect(shape.match(chat('"a","role":"assistant"'))).toBeUndefined();
    expect(shape.match(chat('"a"},"logprobs":{"content":[]},"finish_reason":"stop"}],"x":{"y":"z"'))).toBeUndefined();
    expect(shape.match(chat('""'))).toBeUndefined();
  });

  it('checks literals as the JSON grammar does', () => {
    expect(literalEscapes('"plain"')).toBe(0);
    expect(literalEscapes('"a\\"b"')).toBe(1);
    expect(literalEscapes('"\\u00e9\\n"')).toBe(2);
    for (const bad of ['"', '"a', 'a"', '"a"b"', '"a\\"', '"\\x"', '"\\u12"', '"\\u12g4"', '"\u0000"', '"\n"', '"\\"', '"\\u"']) {
      expect(literalEscapes(bad), bad).toBe(-1);
      expect(() => JSON.parse(bad), bad).toThrow();
    }
  });
});
