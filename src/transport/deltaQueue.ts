import type { StreamDelta } from '../openai/types.js';
import type { Exchange } from './httpExchange.js';

/** How many deltas may wait unread before the miner's socket is paused. */
const HIGH_WATER = 512;

/**
 * Bridges a push-fed miner body to pull-based iteration: producers push batches of deltas
 * as network chunks arrive; the reader takes everything queued at once. A slow reader
 * pauses the exchange (back-pressure reaches the miner through TCP).
 */
export class DeltaQueue implements AsyncIterable<StreamDelta[]> {
  #queue: StreamDelta[] = [];
  #ended = false;
  #failure: unknown;
  #wake: (() => void) | undefined;
  #paused = false;
  readonly #exchange: Exchange;

  constructor(exchange: Exchange) {
    this.#exchange = exchange;
  }

  push(deltas: StreamDelta[]): void {
    if (deltas.length === 0) return;
    for (const delta of deltas) this.#queue.push(delta);
    if (!this.#paused && this.#queue.length > HIGH_WATER) {
      this.#paused = true;
      this.#exchange.pause();
    }
    this.#signal();
  }

  end(): void {
    this.#ended = true;
    this.#signal();
  }

  fail(error: unknown): void {
    this.#failure ??= error ?? new Error('stream failed');
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StreamDelta[]> {
    try {
      for (;;) {
        if (this.#queue.length > 0) {
          const batch = this.#queue;
          this.#queue = [];
          if (this.#paused) {
            this.#paused = false;
            this.#exchange.resume();
          }
          yield batch;
          continue;
        }
        if (this.#failure !== undefined) throw this.#failure;
        if (this.#ended) return;
        await new Promise<void>((resolve) => { this.#wake = resolve; });
      }
    } finally {
      if (!this.#ended) this.#exchange.close();
    }
  }
}
