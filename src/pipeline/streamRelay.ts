import { GatewayError } from '../errors/gatewayError.js';
import { AnswerBuilder } from '../openai/answerBuilder.js';
import { ChunkWriter, type ResponseIdentity } from '../openai/render.js';
import type { Answer, InferenceRequest, StreamDelta } from '../openai/types.js';
import { estimateUsage } from '../openai/usage.js';
import { answerProblem } from '../selection/validate.js';
import { MinerError } from '../transport/minerError.js';
import { asMinerError } from '../transport/minerError.js';
import type { StreamAttempt } from './minerCaller.js';
import { alignAfter } from './streamSplice.js';

/**
 * Chunks rendered for the client, as SSE text: zero or more whole `data: {...}\n\n` events
 * (`[DONE]` is the HTTP layer's). Text rather than objects, so a batch is built in one pass
 * and written as it is.
 */
export type ChunkBatch = string;

/** One chunk's JSON as an SSE event. */
export function sseEvent(json: string): string {
  return `data: ${json}\n\n`;
}

export interface RelayHooks {
  /** The whole answer, validated, once the stream finished properly. */
  completed?(answer: Answer): void;
  /** Another miner's stream of the same request, to continue from after a failure. */
  resume?(): Promise<StreamAttempt>;
  /** Whether a failure may be spliced onto another miner's answer (deterministic requests only). */
  canSplice?: boolean;
}

/** Replacement streams tried after failures, per client stream. */
const MAX_SPLICES = 2;

/**
 * Relays a committed miner stream to the client as rendered chunks.
 *
 * - The finish reason is held back until the stream has really ended ([DONE] seen) and the
 *   whole answer validated, so a client never sees a finished-looking stream whose answer
 *   was cut off.
 * - If the miner fails after the commit and the request is deterministic (every honest
 *   miner gives the same text), another miner is asked and its stream is spliced in: it
 *   must reproduce exactly the text already sent, and only what follows is relayed. The
 *   client gets the complete answer without noticing.
 * - Otherwise the failure throws a GatewayError, which the HTTP layer sends as an SSE error
 *   event (and no [DONE]).
 */
export function relayStream(first: StreamAttempt, request: InferenceRequest, identity: ResponseIdentity, hooks: RelayHooks = {}): AsyncIterable<ChunkBatch> {
  const generator = relay(first, request, identity, hooks);
  let started = false;
  // return() on a generator that never started skips its `finally`: a client that leaves
  // before the first chunk was pulled must still close the miner call and its record.
  const iterator: AsyncIterableIterator<ChunkBatch> = {
    next: () => {
      started = true;
      return generator.next();
    },
    return: async () => {
      if (!started) {
        started = true;
        first.record.failure(new MinerError('cancelled', 'client went away'));
        first.primed.stream.close();
      }
      return generator.return(undefined);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

async function* relay(first: StreamAttempt, request: InferenceRequest, identity: ResponseIdentity, hooks: RelayHooks): AsyncGenerator<ChunkBatch> {
  const builder = new AnswerBuilder(request.endpoint);
  const writer = new ChunkWriter(request.endpoint, identity);
  let attempt = first;
  let batches = batchesOf(first);
  let open = true;
  let splices = 0;
  try {
    for (;;) {
      let next: IteratorResult<StreamDelta[]>;
      try {
        next = await batches.next();
      } catch (error) {
        const failure = asMinerError(error);
        attempt.record.failure(failure);
        attempt.primed.stream.close();
        open = false;
        if (!spliceable(hooks, builder, splices)) throw midStreamError(failure);
        splices++;
        try {
          attempt = await hooks.resume!();
        } catch {
          throw midStreamError(failure);
        }
        open = true;
        batches = alignAfter(builder.text, batchesOf(attempt));
        continue;
      }
      if (next.done === true) break;
      const batch = absorb(next.value, builder, writer);
      if (batch.length > 0) yield batch;
    }
    const answer = builder.build();
    const problem = answerProblem(answer, request);
    if (problem !== undefined) {
      const failure = new MinerError('invalid_answer', problem);
      attempt.record.failure(failure);
      open = false;
      throw midStreamError(failure);
    }
    answer.usage ??= estimateUsage(request, answer);
    const { firstByteMs } = attempt.primed.stream.timing;
    attempt.record.success({ completionTokens: answer.usage.completion_tokens, streamed: true, ...(firstByteMs === undefined ? {} : { firstByteMs }) });
    open = false;
    hooks.completed?.(answer);
    let tail = sseEvent(writer.delta({ finishReason: answer.finishReason! }));
    if (request.includeUsage) tail += sseEvent(writer.usage(answer.usage));
    yield tail;
  } finally {
    // Still open here means the client went away (return()) mid-stream.
    if (open) {
      attempt.record.failure(new MinerError('cancelled', 'client went away'));
      attempt.primed.stream.close();
    }
  }
}

/** A primed stream's batches: what priming read, then the rest. */
async function* batchesOf(attempt: StreamAttempt): AsyncGenerator<StreamDelta[]> {
  yield attempt.primed.head;
  for (;;) {
    const next = await attempt.primed.rest.next();
    if (next.done === true) return;
    yield next.value;
  }
}

/** Splicing needs a deterministic request, a budget, and nothing sent but plain text. */
function spliceable(hooks: RelayHooks, builder: AnswerBuilder, splices: number): boolean {
  if (hooks.canSplice !== true || hooks.resume === undefined || splices >= MAX_SPLICES) return false;
  const sent = builder.build();
  return sent.toolCalls === undefined && sent.reasoning === undefined && sent.refusal === undefined;
}

function midStreamError(failure: MinerError): GatewayError {
  return new GatewayError(failure.gateway === 'miner_timeout' ? 'miner_timeout' : 'miner_error', 'The miner failed mid-stream; the answer above is incomplete.', { cause: failure });
}

/** Adds deltas to the answer and renders what the client may see of them now. */
function absorb(deltas: StreamDelta[], builder: AnswerBuilder, writer: ChunkWriter): ChunkBatch {
  let out = '';
  for (const delta of deltas) {
    builder.push(delta);
    // The finish reason and usage are held back until the stream has really ended.
    if (delta.finishReason === undefined && delta.usage === undefined) {
      out += sseEvent(writer.delta(delta));
      continue;
    }
    const { finishReason: _held, usage: _usage, ...visible } = delta;
    if (Object.keys(visible).length > 0) out += sseEvent(writer.delta(visible));
  }
  return out;
}
