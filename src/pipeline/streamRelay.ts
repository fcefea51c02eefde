import { GatewayError } from '../errors/gatewayError.js';
import { AnswerBuilder } from '../openai/answerBuilder.js';
import { renderChunk, renderUsageChunk, type ResponseIdentity } from '../openai/render.js';
import type { Answer, InferenceRequest, StreamDelta } from '../openai/types.js';
import { estimateUsage } from '../openai/usage.js';
import { answerProblem } from '../selection/validate.js';
import { MinerError } from '../transport/minerError.js';
import { asMinerError, type StreamAttempt } from './minerCaller.js';

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
): AsyncGenerator<Record<string, unknown>> {
  const { primed, record } = attempt;
  const builder = new AnswerBuilder(request.endpoint);
  let finished = false;
  try {
    for (const delta of primed.head) {
      const chunk = absorb(delta, builder, request, identity);
      if (chunk !== undefined) yield chunk;
    }
    for (;;) {
      const next = await primed.rest.next();
      if (next.done === true) break;
      const chunk = absorb(next.value, builder, request, identity);
      if (chunk !== undefined) yield chunk;
    }
    const answer = builder.build();
    const problem = answerProblem(answer, request);
    if (problem !== undefined) throw new MinerError('invalid_answer', problem);
    answer.usage ??= estimateUsage(request, answer);
    record.success({ completionTokens: answer.usage.completion_tokens, streamed: true, ...(primed.stream.timing.firstByteMs === undefined ? {} : { firstByteMs: primed.stream.timing.firstByteMs }) });
    finished = true;
    hooks.completed?.(answer);
    yield renderChunk(request.endpoint, { finishReason: answer.finishReason! }, identity);
    if (request.includeUsage) yield renderUsageChunk(request.endpoint, answer.usage, identity);
  } catch (error) {
    const failure = asMinerError(error);
    record.failure(failure);
    finished = true;
    throw new GatewayError(failure.gateway === 'miner_timeout' ? 'miner_timeout' : 'miner_error', 'The miner failed mid-stream; the answer above is incomplete.', { cause: error });
  } finally {
    // Reached on normal end, on failure, and when the client goes away (return()).
    if (!finished) record.failure(new MinerError('cancelled', 'client went away'));
    primed.stream.close();
  }
}

/** Adds a delta to the answer and renders what the client may see of it now. */
function absorb(delta: StreamDelta, builder: AnswerBuilder, request: InferenceRequest, identity: ResponseIdentity): Record<string, unknown> | undefined {
  builder.push(delta);
  const { finishReason: _held, usage: _usage, ...visible } = delta;
  if (Object.keys(visible).length === 0) return undefined;
  return renderChunk(request.endpoint, visible, identity);
}
