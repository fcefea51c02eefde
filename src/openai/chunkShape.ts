import { deltaFromChunk } from './minerOutput.js';
import type { Endpoint, StreamDelta } from './types.js';

/**
 * The shape of a miner's text chunks, learned from one of them, so that the chunks after it
 * are sanitised without being parsed.
 *
 * A miner streams hundreds of chunks that differ only in their text:
 * `{"id":"c1",...,"choices":[{"index":0,"delta":{"content":"word"},...}]}`. Parsing each one
 * (JSON.parse, then the sanitiser) was the largest cost of relaying a stream. Here the first
 * text-only chunk is parsed and sanitised as usual, and the text's JSON string literal is
 * located in it: everything before it is the shape's prefix, everything after its suffix.
 * A later chunk made of exactly that prefix, one well-formed string literal, and exactly that
 * suffix is the same JSON document with another string in that place, so it sanitises to a
 * delta carrying that string as its text; checking the two ends is a memory comparison, and
 * the literal is decoded without a parser when it has no escapes.
 *
 * Learning is checked, not assumed: the learned shape is filled with a different probe text,
 * parsed and sanitised, and adopted only if that gives a delta with exactly the probe as its
 * text. Duplicate keys, escaped key names, a second choice, fields the sanitiser reads
 * elsewhere: whatever a miner writes, the place is proven to be the one the sanitiser takes
 * the text from. Chunks that do not match (a role, a finish reason, usage, tool calls, an
 * empty text) go through the parser as before.
 */
export class ChunkShape {
  readonly #prefix: string;
  readonly #suffix: string;

  private constructor(prefix: string, suffix: string) {
    this.#prefix = prefix;
    this.#suffix = suffix;
  }

  /**
   * The shape of a chunk whose sanitised delta is text only, or undefined when its text
   * cannot be located or the check fails. `data` is the chunk's JSON text.
   */
  static learn(endpoint: Endpoint, data: string, delta: StreamDelta): ChunkShape | undefined {
    if (delta.text === undefined || Object.keys(delta).length !== 1) return undefined;
    const key = endpoint === 'chat' ? '"content":"' : '"text":"';
    const at = data.indexOf(key);
    // One occurrence only: with two, which one the parser keeps is a question the check would
    // answer, but the answer is rarely worth the parse.
    if (at === -1 || data.indexOf(key, at + 1) !== -1) return undefined;
    const start = at + key.length - 1;
    const end = literalEnd(data, start);
    if (end === -1) return undefined;
    const shape = new ChunkShape(data.slice(0, start), data.slice(end));
    const probe = delta.text === 'x' ? 'y' : 'x';
    let probed: StreamDelta;
    try {
      probed = deltaFromChunk(endpoint, JSON.parse(`${shape.#prefix}"${probe}"${shape.#suffix}`));
    } catch {
      return undefined;
    }
    return probed.text === probe && Object.keys(probed).length === 1 ? shape : undefined;
  }

  /** The delta of a chunk of this shape, or undefined when the chunk is not of this shape. */
  match(data: string): StreamDelta | undefined {
    const prefix = this.#prefix;
    const suffix = this.#suffix;
    const literalEndAt = data.length - suffix.length;
    // An empty text ("") is not a text delta: it takes the general path.
    if (literalEndAt - prefix.length < 3) return undefined;
    // Slices compared with === are compared as whole strings (memcmp); startsWith is a character loop.
    if (data.slice(0, prefix.length) !== prefix || data.slice(literalEndAt) !== suffix) return undefined;
    const literal = data.slice(prefix.length, literalEndAt);
    const escapes = literalEscapes(literal);
    if (escapes === -1) return undefined;
    return { text: escapes === 0 ? literal.slice(1, -1) : (JSON.parse(literal) as string) };
  }
}

/**
 * Where the JSON string literal that opens at `start` (a quote) ends: the index just past its
 * closing quote, or -1 if there is no well-formed literal there.
 */
function literalEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) i++;
    else if (c < 0x20) return -1;
  }
  return -1;
}

const ESCAPED = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * Checks that `literal` is exactly one well-formed JSON string literal (quotes at both ends,
 * no quote or control character inside, valid escapes only). Returns the number of escapes,
 * or -1 if it is not such a literal.
 */
export function literalEscapes(literal: string): number {
  const last = literal.length - 1;
  if (last < 1 || literal.charCodeAt(0) !== 0x22 || literal.charCodeAt(last) !== 0x22) return -1;
  let escapes = 0;
  for (let i = 1; i < last; i++) {
    const c = literal.charCodeAt(i);
    if (c === 0x22 || c < 0x20) return -1;
    if (c !== 0x5c) continue;
    escapes++;
    const next = literal[i + 1];
    if (i + 1 >= last || next === undefined) return -1;
    if (next === 'u') {
      if (i + 5 >= last + 1 || !HEX4.test(literal.slice(i + 2, i + 6))) return -1;
      i += 5;
    } else if (ESCAPED.has(next)) {
      i++;
    } else {
      return -1;
    }
  }
  return escapes;
}
