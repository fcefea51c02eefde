import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { toGatewayError } from '../errors/gatewayError.js';
import { afterIo } from '../lifecycle/ioBatch.js';

const DONE = 'data: [DONE]\n\n';

export interface SseHooks {
  /** The stream ended: normally, with an error event, or because the client left. */
  ended(how: 'done' | 'miner_failed' | 'client_gone'): void;
}

type Chunk = Record<string, unknown> | string;
type Batches = AsyncIterable<Chunk[]>;

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx not to buffer the stream.
  'x-accel-buffering': 'no',
};

/**
 * A clean SSE response: one `data:` event per chunk (written a batch at a time), then
 * `data: [DONE]`. If the source fails, the client gets an `{"error": ...}` event and no
 * [DONE], so the stream cannot be mistaken for a complete answer. When the client goes
 * away, the source is closed at once (which cancels the miner call).
 *
 * Over a real socket the events are written straight to the Node response: a web
 * ReadableStream in between costs several promise hops per write, on every token.
 */
export function sseResponse(outgoing: ServerResponse | undefined, events: Batches, headers: Record<string, string>, hooks: SseHooks): Response {
  if (outgoing !== undefined) {
    void pumpToNode(outgoing, events, headers, hooks);
    return RESPONSE_ALREADY_SENT;
  }
  return webStreamResponse(events, headers, hooks);
}

/** A batch as SSE events; chunks may come already serialised (see ChunkWriter). */
function render(batch: Chunk[]): string {
  let text = '';
  for (const chunk of batch) text += `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`;
  return text;
}

function errorEvent(error: unknown): string {
  return `data: ${JSON.stringify(toGatewayError(error).toEnvelope())}\n\n`;
}

async function pumpToNode(outgoing: ServerResponse, events: Batches, headers: Record<string, string>, hooks: SseHooks): Promise<void> {
  const iterator = events[Symbol.asyncIterator]();
  const { end, isEnded } = endOnce(hooks);
  let wakeDrain: (() => void) | undefined;
  const onClose = (): void => {
    wakeDrain?.();
    if (outgoing.writableFinished || isEnded()) return;
    end('client_gone');
    void iterator.return?.();
  };
  outgoing.once('close', onClose);
  outgoing.on('drain', () => wakeDrain?.());
  outgoing.writeHead(200, { ...headers, ...SSE_HEADERS });
  try {
    for (;;) {
      const next = await iterator.next();
      if (isEnded()) return;
      if (next.done === true) {
        outgoing.end(DONE);
        end('done');
        return;
      }
      const text = render(next.value);
      // Corked until this turn's input is handled: when the stream ends right after this batch
      // (its last), the batch and [DONE] leave in one write, and the writes of every stream
      // served in this turn leave together (see ioBatch.ts).
      outgoing.cork();
      afterIo(() => outgoing.uncork());
      // Back-pressure: a slow client pauses reading from the miner (through TCP, end to end).
      if (text.length > 0 && !outgoing.write(text) && !outgoing.destroyed) {
        await new Promise<void>((resolve) => { wakeDrain = resolve; });
        wakeDrain = undefined;
      }
    }
  } catch (error) {
    if (isEnded()) return;
    outgoing.end(errorEvent(error));
    end('miner_failed');
  }
}

/** Reports how a stream ended, once, whichever way ends it first. */
function endOnce(hooks: SseHooks): { end(how: 'done' | 'miner_failed' | 'client_gone'): void; isEnded(): boolean } {
  let ended = false;
  return {
    end(how) {
      if (ended) return;
      ended = true;
      hooks.ended(how);
    },
    isEnded: () => ended,
  };
}


/** The same stream as a web ReadableStream, for in-process requests (no Node response). */
function webStreamResponse(events: Batches, headers: Record<string, string>, hooks: SseHooks): Response {
  const encoder = new TextEncoder();
  const iterator = events[Symbol.asyncIterator]();
  const { end, isEnded } = endOnce(hooks);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done === true) {
          controller.enqueue(encoder.encode(DONE));
          controller.close();
          end('done');
          return;
        }
        const text = render(next.value);
        if (text.length > 0) controller.enqueue(encoder.encode(text));
      } catch (error) {
        if (isEnded()) return;
        controller.enqueue(encoder.encode(errorEvent(error)));
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

/**
 * A stream whose every chunk is known up front (a cached answer replayed): the same events
 * and `[DONE]` as sseResponse, written at once in one response body.
 */
export function sseWholeResponse(chunks: Chunk[], headers: Record<string, string>): Response {
  return new Response(`${render(chunks)}${DONE}`, { status: 200, headers: { ...headers, ...SSE_HEADERS } });
}
