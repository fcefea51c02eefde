import type { Cancellation } from '../lifecycle/cancellation.js';
import type { CachedEntry } from './entry.js';

/**
 * One request in flight that identical requests of this replica wait for. Settled exactly
 * once: with the answer's entry, or with a failure that sends every follower off on its own.
 */
export class Flight {
  readonly promise: Promise<CachedEntry>;
  #resolve!: (entry: CachedEntry) => void;
  #reject!: (error: unknown) => void;
  #settled = false;

  constructor() {
    this.promise = new Promise<CachedEntry>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A flight nobody followed must not fail as an unhandled rejection.
    this.promise.catch(() => {});
  }

  resolve(entry: CachedEntry): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(entry);
  }

  reject(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}

/** Waits for `promise`, giving up (rejecting) when the caller's client goes away. */
export function unlessCancelled<T>(promise: Promise<T>, cancellation: Cancellation): Promise<T> {
  if (cancellation.cancelled) return Promise.reject(cancellation.reason);
  return new Promise<T>((resolve, reject) => {
    const off = cancellation.onCancel(reject);
    promise.then(
      (value) => { off(); resolve(value); },
      (error: unknown) => { off(); reject(error); },
    );
  });
}

/**
 * The same events, and `onEnd` once they are over however they ended: completed, failed, or
 * abandoned by the client. An explicit iterator rather than a generator, because `return()`
 * on a generator that never started skips its `finally`.
 */
export function watchEnd<T>(events: AsyncIterable<T>, onEnd: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const inner = events[Symbol.asyncIterator]();
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        onEnd();
      };
      return {
        async next() {
          try {
            const next = await inner.next();
            if (next.done === true) end();
            return next;
          } catch (error) {
            end();
            throw error;
          }
        },
        async return(value?: unknown) {
          end();
          await inner.return?.();
          return { done: true, value: value as T };
        },
      };
    },
  };
}
