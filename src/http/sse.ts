import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { toGatewayError } from '../errors/gatewayError.js';
import { afterIo } from '../lifecycle/ioBatch.js';

const DONE = 'data: [DONE]\n\n';

export interface SseHooks {
  /** The stream ended: normally, with an error event, or because the client left. */
  ended(how: 'done' | 'miner_failed' | 'client_gone'): void;
}

/** Batches of SSE text (see ChunkBatch). */
type Batches = AsyncIterable<string>;

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
    void new NodeSsePump(outgoing, events, headers, hooks).run();
    return RESPONSE_ALREADY_SENT;
  }
  return webStreamResponse(events, headers, hooks);
}

function errorEvent(error: unknown): string {
  return `data: ${JSON.stringify(toGatewayError(error).toEnvelope())}\n\n`;
}

/**
 * Pulls a stream's batches and writes them to the Node response. The text of every batch
 * ready in one event-loop turn is written once, when the turn's input has been handled (see
 * ioBatch.ts); a stream that is complete by then (a fast or cached answer) goes out as one
 * body with a Content-Length, otherwise as chunks. A slow client holds back the pulling, and
 * through it the miner's socket (back-pressure through TCP, end to end).
 */
class NodeSsePump {
  readonly #outgoing: ServerResponse;
  readonly #iterator: AsyncIterator<string>;
  readonly #headers: Record<string, string>;
  readonly #ending: ReturnType<typeof endOnce>;
  /** Text not yet handed to the socket. */
  #pending = '';
  #flushQueued = false;
  #headersSent = false;
  /** [DONE] or an error event is in `#pending`: nothing follows. */
  #finished = false;
  #wakeDrain: (() => void) | undefined;

  constructor(outgoing: ServerResponse, events: Batches, headers: Record<string, string>, hooks: SseHooks) {
    this.#outgoing = outgoing;
    this.#iterator = events[Symbol.asyncIterator]();
    this.#headers = headers;
    this.#ending = endOnce(hooks);
    outgoing.once('close', () => this.#closed());
    outgoing.on('drain', () => this.#wakeDrain?.());
  }

  async run(): Promise<void> {
    const { end, isEnded } = this.#ending;
    try {
      for (;;) {
        if (this.#outgoing.writableNeedDrain) await new Promise<void>((resolve) => { this.#wakeDrain = resolve; });
        const next = await this.#iterator.next();
        if (isEnded()) return;
        if (next.done === true) {
          this.#queue(DONE, true);
          end('done');
          return;
        }
        this.#queue(next.value, false);
      }
    } catch (error) {
      if (isEnded()) return;
      this.#queue(errorEvent(error), true);
      end('miner_failed');
    }
  }

  #queue(text: string, last: boolean): void {
    this.#pending += text;
    this.#finished = last;
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    afterIo(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    const outgoing = this.#outgoing;
    if (outgoing.destroyed) return;
    const text = this.#pending;
    this.#pending = '';
    if (!this.#headersSent) {
      this.#headersSent = true;
      const headers: Record<string, string | number> = { ...this.#headers, ...SSE_HEADERS };
      if (this.#finished) headers['content-length'] = Buffer.byteLength(text);
      outgoing.writeHead(200, headers);
    }
    if (this.#finished) outgoing.end(text);
    else if (text.length > 0) outgoing.write(text);
  }

  #closed(): void {
    this.#wakeDrain?.();
    if (this.#outgoing.writableFinished || this.#ending.isEnded()) return;
    this.#ending.end('client_gone');
    void this.#iterator.return?.();
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
        if (next.value.length > 0) controller.enqueue(encoder.encode(next.value));
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
export function sseWholeResponse(events: string, headers: Record<string, string>): Response {
  return new Response(`${events}${DONE}`, { status: 200, headers: { ...headers, ...SSE_HEADERS } });
}
