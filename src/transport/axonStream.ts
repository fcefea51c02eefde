import { TextDecoder } from 'node:util';
import type { Answer, Endpoint, StreamDelta } from '../openai/types.js';
import type { Exchange } from './httpExchange.js';
import { MinerError } from './minerError.js';
import type { CallTiming, MinerStream } from './types.js';

/**
 * A streaming synapse's answer: raw UTF-8 text with no framing (PROTOCOLS.md §3), the
 * completion being the concatenation. A multi-byte character split across network chunks is
 * held by the streaming decoder until whole. There is no end marker, so the answer is complete
 * only when the HTTP response ended normally (chunked encoding's last chunk); a connection cut
 * before that is a truncated answer.
 */
export class RawTextStream implements MinerStream {
  readonly timing: CallTiming;
  readonly #endpoint: Endpoint;
  readonly #exchange: Exchange;

  constructor(endpoint: Endpoint, exchange: Exchange) {
    this.#endpoint = endpoint;
    this.#exchange = exchange;
    this.timing = { startedAt: exchange.startedAt };
  }

  close(): void {
    this.#exchange.close();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StreamDelta> {
    // Invalid UTF-8 from a miner is a broken answer, not something to paper over with U+FFFD.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    if (this.#endpoint === 'chat') yield { role: 'assistant' };
    try {
      for await (const chunk of this.#exchange.chunks()) {
        if (this.timing.firstByteMs === undefined) {
          this.timing.firstByteMs = Date.now() - this.timing.startedAt;
          this.#exchange.watchdog.firstByte();
        }
        const text = decode(decoder, chunk);
        if (text.length > 0) yield { text };
      }
    } catch (error) {
      if (error instanceof MinerError && error.code === 'reset') {
        throw new MinerError('truncated', `stream cut before the response ended: ${error.detail}`, { cause: error });
      }
      throw error;
    }
    const tail = decode(decoder);
    if (tail.length > 0) yield { text: tail };
    yield { finishReason: 'stop' };
  }
}

/** Decodes a chunk (or, without one, flushes the decoder at the end of the stream). */
function decode(decoder: TextDecoder, chunk?: Buffer): string {
  try {
    return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
  } catch {
    throw new MinerError('bad_response', 'streamed text is not valid UTF-8');
  }
}

/** The answer held in one string field of a synapse returned as JSON. */
export function answerFromSynapse(endpoint: Endpoint, bytes: Buffer, field: string): Answer {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new MinerError('bad_response', 'synapse answer is not JSON');
  }
  const text = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>)[field] : undefined;
  if (typeof text !== 'string') throw new MinerError('bad_response', `synapse field ${field} is not a string`);
  return { endpoint, text, finishReason: 'stop' };
}
