import { GatewayError } from '../errors/gatewayError.js';
import { AnswerBuilder } from '../openai/answerBuilder.js';
import { renderChunk, renderUsageChunk, type ResponseIdentity } from '../openai/render.js';
import type { Answer, InferenceRequest, StreamDelta } from '../openai/types.js';
import { estimateUsage } from '../openai/usage.js';
import { answerProblem } from '../selection/validate.js';
import { MinerError } from '../transport/minerError.js';
import { asMinerError, type StreamAttempt } from './minerCaller.js';

/** Chunks rendered for the client, in batches (one write each). */
export type ChunkBatch = Array<Record<string, unknown>>;

export interface RelayHooks {
  /** The whole answer, validated, once the miner finished properly. */
  completed?(answer: Answer): void;
}

/**
 * Relays a committed miner stream to the client as rendered chunks. The finish reason is
 * held back until the miner's stream has really ended ([DONE] seen) and the whole answer
 * validated, so a client never sees a finished-looking stream whose answer was cut off.
 * A failure after the commit throws a GatewayError, which the HTTP layer turns into an
 * SSE error event (and no [DONE]).
 */
export async function* relayStream(
  attempt: StreamAttempt,
  request: InferenceRequest,
  identity: ResponseIdentity,
  hooks: RelayHooks = {},
): AsyncGenerator<ChunkBatch> {
  const { primed, record } = attempt;
  const builder = new AnswerBuilder(request.endpoint);
  let finished = false;
  let completed = false;
  try {
    const first = absorb(primed.head, builder, request, identity);
    if (first.length > 0) yield first;
    for (;;) {
      const next = await primed.rest.next();
      if (next.done === true) break;
      const batch = absorb(next.value, builder, request, identity);
      if (batch.length > 0) yield batch;
    }
    const answer = builder.build();
    const problem = answerProblem(answer, request);
    if (problem !== undefined) throw new MinerError('invalid_answer', problem);
    answer.usage ??= estimateUsage(request, answer);
    const { firstByteMs } = primed.stream.timing;
    record.success({ completionTokens: answer.usage.completion_tokens, streamed: true, ...(firstByteMs === undefined ? {} : { firstByteMs }) });
    finished = true;
    completed = true;
    hooks.completed?.(answer);
    const tail: ChunkBatch = [renderChunk(request.endpoint, { finishReason: answer.finishReason! }, identity)];
    if (request.includeUsage) tail.push(renderUsageChunk(request.endpoint, answer.usage, identity));
    yield tail;
  } catch (error) {
    const failure = asMinerError(error);
    record.failure(failure);
    finished = true;
    throw new GatewayError(failure.gateway === 'miner_timeout' ? 'miner_timeout' : 'miner_error', 'The miner failed mid-stream; the answer above is incomplete.', { cause: error });
  } finally {
    // Reached on normal end, on failure, and when the client goes away (return()).
    if (!finished) record.failure(new MinerError('cancelled', 'client went away'));
    // A completed stream is left to drain so its keep-alive connection can be reused.
    if (!completed) primed.stream.close();
  }
}

/** Adds deltas to the answer and renders what the client may see of them now. */
function absorb(deltas: StreamDelta[], builder: AnswerBuilder, request: InferenceRequest, identity: ResponseIdentity): ChunkBatch {
  const out: ChunkBatch = [];
  for (const delta of deltas) {
    builder.push(delta);
    // The finish reason and usage are held back until the stream has really ended.
    const { finishReason: _held, usage: _usage, ...visible } = delta;
    if (Object.keys(visible).length > 0) out.push(renderChunk(request.endpoint, visible, identity));
  }
  return out;
}
