import { ChunkWriter, answerToDeltas, renderCompletionJson, type ResponseIdentity } from '../openai/render.js';
import type { Answer, InferenceRequest } from '../openai/types.js';
import type { InferenceResult, ResultMeta } from '../pipeline/inference.js';
import { sseEvent, type ChunkBatch } from '../pipeline/streamRelay.js';

/**
 * A cached answer as the stream a live miner would have produced: the same chunk shapes as
 * the relay (role chunk, content, tool calls, the finish chunk, then the usage chunk when the
 * client set include_usage), in one batch since nothing is waited for; the HTTP layer writes
 * them at once and adds `data: [DONE]`.
 */
export function replayChunks(answer: Answer, request: InferenceRequest, identity: ResponseIdentity): ChunkBatch {
  const deltas = answerToDeltas(answer);
  if (answer.logprobs !== undefined) {
    // Live streams carry logprobs beside the text they score; here the text is one delta.
    const carrier = deltas.find((d) => d.text !== undefined && d.text.length > 0) ?? deltas[deltas.length - 1]!;
    carrier.logprobs = answer.logprobs;
  }
  const writer = new ChunkWriter(request.endpoint, identity);
  let batch: ChunkBatch = '';
  for (const delta of deltas) batch += sseEvent(writer.delta(delta));
  if (request.includeUsage && answer.usage !== undefined) batch += sseEvent(writer.usage(answer.usage));
  return batch;
}

/**
 * A whole answer as the client's result: the completion's JSON, or, for a streaming request,
 * every chunk at once. `reuse` for answers that are served again (cached ones): see
 * renderCompletionJson.
 */
export function wholeAnswerResult(answer: Answer, request: InferenceRequest, identity: ResponseIdentity, meta: ResultMeta, reuse = false): InferenceResult {
  if (!request.stream) return { kind: 'json', text: renderCompletionJson(answer, identity, reuse), meta };
  return { kind: 'replay', whole: replayChunks(answer, request, identity), meta };
}
