/**
 * A cancellation token for the request path. AbortController with event listeners costs
 * several µs per use, and a request creates many (client, fan-out, each attempt, each
 * timeout); this is a plain list of callbacks instead.
 */
export class Cancellation {
  #cancelled = false;
  #reason: unknown;
  #listeners: Array<((reason: unknown) => void) | undefined> | undefined;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Cancels once; listeners run synchronously, in order. */
  cancel(reason: unknown): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners === undefined) return;
    for (const listener of listeners) listener?.(reason);
  }

  /** Runs `listener` on cancellation (at once if already cancelled); returns an unsubscribe. */
  onCancel(listener: (reason: unknown) => void): () => void {
    if (this.#cancelled) {
      listener(this.#reason);
      return noop;
    }
    const listeners = (this.#listeners ??= []);
    const index = listeners.push(listener) - 1;
    return () => {
      if (this.#listeners === listeners) listeners[index] = undefined;
    };
  }

  /** Follows an AbortSignal (for callers that have one, e.g. in-process requests). */
  static fromSignal(signal: AbortSignal | undefined): Cancellation {
    const token = new Cancellation();
    if (signal === undefined) return token;
    if (signal.aborted) token.cancel(signal.reason);
    else signal.addEventListener('abort', () => token.cancel(signal.reason), { once: true });
    return token;
  }
}

function noop(): void {}
