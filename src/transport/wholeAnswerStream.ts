import { answerToDeltas } from '../openai/render.js';
import type { Answer } from '../openai/types.js';
import type { Exchange } from './httpExchange.js';
import type { MinerStream } from './types.js';

/** Whether a miner answered with JSON (a whole answer) rather than a stream. */
export function answeredJson(exchange: Exchange): boolean {
  return String(exchange.headers['content-type'] ?? '').includes('application/json');
}

/**
 * A whole answer served as a stream of one batch: what a miner that ignored `stream: true`
 * (or answered a streaming synapse as JSON) is still good for. Its "first byte" is its headers.
 */
export function wholeAnswerStream(answer: Answer, exchange: Exchange): MinerStream {
  const deltas = answerToDeltas(answer);
  if (answer.usage !== undefined) deltas.push({ usage: answer.usage });
  return {
    timing: { startedAt: exchange.startedAt, firstByteMs: exchange.headersMs },
    close: () => exchange.close(),
    async *[Symbol.asyncIterator]() {
      yield deltas;
    },
  };
}
