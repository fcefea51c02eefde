import { answerToDeltas, renderChunk, renderUsageChunk, type ResponseIdentity } from '../openai/render.js';
import type { Answer, InferenceRequest } from '../openai/types.js';
import { estimateUsage } from '../openai/usage.js';
import type { ChunkBatch } from './streamRelay.js';

/**
 * A whole answer as a client stream: the same chunk shapes a live stream produces (role,
 * content, finish reason, then usage when asked), in one batch. Used when the answer was
 * chosen after collecting several (best-of-k, consensus) and for cached answers.
 */
export async function* replayAnswer(answer: Answer, request: InferenceRequest, identity: ResponseIdentity): AsyncGenerator<ChunkBatch> {
  const batch: ChunkBatch = answerToDeltas(answer).map((delta) => renderChunk(request.endpoint, delta, identity));
  if (request.includeUsage) batch.push(renderUsageChunk(request.endpoint, answer.usage ?? estimateUsage(request, answer), identity));
  yield batch;
}
