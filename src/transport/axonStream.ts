import { TextDecoder } from 'node:util';
import type { Answer, Endpoint } from '../openai/types.js';
import type { Exchange } from './httpExchange.js';
import { MinerError } from './minerError.js';
import type { CallTiming, MinerStream } from './types.js';
import { DeltaQueue } from './deltaQueue.js';

/**
 * A streaming synapse's answer: raw UTF-8 text with no framing (PROTOCOLS.md §3), the
 * completion being the concatenation. A multi-byte character split across network chunks is
 * held by the streaming decoder until whole. There is no end marker, so the answer is complete
 * only when the HTTP response ended normally (chunked encoding's last chunk); a connection cut
 * before that is a truncated answer.
 */
export function rawTextStream(endpoint: Endpoint, exchange: Exchange): MinerStream {
  // Invalid UTF-8 from a miner is a broken answer, not something to paper over with U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const timing: CallTiming = { startedAt: exchange.startedAt };
  const queue = new DeltaQueue(exchange);
  if (endpoint === 'chat') queue.push([{ role: 'assistant' }]);
  exchange.consume((chunk) => {
    if (timing.firstByteMs === undefined) {
      timing.firstByteMs = Date.now() - timing.startedAt;
      exchange.watchdog.firstByte();
    }
    const text = decode(decoder, chunk);
    if (text.length > 0) queue.push([{ text }]);
  }).then(
    () => {
      try {
        const tail = decode(decoder);
        queue.push(tail.length > 0 ? [{ text: tail }, { finishReason: 'stop' }] : [{ finishReason: 'stop' }]);
        queue.end();
      } catch (error) {
        queue.fail(error);
      }
    },
    (error: unknown) => {
      if (error instanceof MinerError && error.code === 'reset') {
        queue.fail(new MinerError('truncated', `stream cut before the response ended: ${error.detail}`, { cause: error }));
      } else {
        queue.fail(error);
      }
    },
  );
  return { timing, close: () => exchange.close(), [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator]() };
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
