import { toGatewayError } from '../errors/gatewayError.js';

const encoder = new TextEncoder();
const DONE = encoder.encode('data: [DONE]\n\n');

export interface SseHooks {
  /** The stream ended: normally, with an error event, or because the client left. */
  ended(how: 'done' | 'miner_failed' | 'client_gone'): void;
}

/**
 * A clean SSE response: one `data:` event per chunk (written a batch at a time), then
 * `data: [DONE]`. If the source
 * fails, the client gets an `{"error": ...}` event and no [DONE], so the stream cannot be
 * mistaken for a complete answer. When the client goes away, the source is closed at once
 * (which cancels the miner call).
 */
export function sseResponse(events: AsyncIterable<Array<Record<string, unknown>>>, headers: Record<string, string>, hooks: SseHooks): Response {
  const iterator = events[Symbol.asyncIterator]();
  let ended = false;
  const end = (how: 'done' | 'miner_failed' | 'client_gone'): void => {
    if (ended) return;
    ended = true;
    hooks.ended(how);
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done === true) {
          controller.enqueue(DONE);
          controller.close();
          end('done');
          return;
        }
        // One write per batch: everything one miner chunk carried leaves in one TCP write.
        let text = '';
        for (const chunk of next.value) text += `data: ${JSON.stringify(chunk)}\n\n`;
        if (text.length > 0) controller.enqueue(encoder.encode(text));
      } catch (error) {
        if (ended) return;
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(toGatewayError(error).toEnvelope())}\n\n`));
        controller.close();
        end('miner_failed');
      }
    },
    async cancel() {
      end('client_gone');
      await iterator.return?.();
    },
  });
  return new Response(body, { status: 200, headers: { ...headers, ...SSE_HEADERS } });
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx not to buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/**
 * A stream whose every chunk is known up front (a cached answer replayed): the same events
 * and `[DONE]` as sseResponse, written at once instead of through a ReadableStream.
 */
export function sseWholeResponse(chunks: Array<Record<string, unknown>>, headers: Record<string, string>): Response {
  let text = '';
  for (const chunk of chunks) text += `data: ${JSON.stringify(chunk)}\n\n`;
  return new Response(`${text}data: [DONE]\n\n`, { status: 200, headers: { ...headers, ...SSE_HEADERS } });
}
