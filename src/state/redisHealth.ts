import type { Logger } from '../logging/logger.js';

/** What the health machine reports to (metrics), kept abstract so this file has no dependencies. */
export interface HealthSink {
  up(value: boolean): void;
  failed(op: string): void;
  skipped(op: string): void;
}

export interface RedisHealthOptions {
  budgetMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  logger: Logger;
  sink: HealthSink;
  now?: () => number;
}

/**
 * Whether Redis is worth asking, as a small state machine:
 *
 *   up ──(an operation fails, or TIMEOUTS_TO_TRIP in a row run over the budget)──► down  [one warning]
 *   down ──(backoff over: the next operation is tried, alone)──► probing
 *   probing ──ok──► up  [one info line]     probing ──fails──► down (backoff doubles, capped)
 *
 * While down, operations are not attempted at all: callers get their local fallback at once,
 * so an outage costs requests nothing, and a slow Redis costs each request at most the budget.
 * A single slow answer only sends that request to its fallback: on a busy host one late reply
 * is more often the process's own event loop than Redis, and flapping would bury operators in
 * episodes. An error (connection refused, closed, ...) trips at once.
 */
const TIMEOUTS_TO_TRIP = 3;

export class RedisHealth {
  readonly budgetMs: number;
  readonly #options: RedisHealthOptions;
  readonly #now: () => number;
  #up = true;
  #probing = false;
  #retryAt = 0;
  #backoff: number;
  #downSince = 0;
  #skippedThisEpisode = 0;
  #timeoutsInARow = 0;

  constructor(options: RedisHealthOptions) {
    this.#options = options;
    this.budgetMs = options.budgetMs;
    this.#now = options.now ?? Date.now;
    this.#backoff = options.backoffMs;
    options.sink.up(true);
  }

  get up(): boolean {
    return this.#up;
  }

  /**
   * Runs one Redis operation within the budget. On failure, timeout or while Redis is down,
   * returns `fallback()` instead; never throws what Redis did.
   */
  run<T>(op: string, work: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (!this.#mayTry()) {
      this.#skippedThisEpisode++;
      this.#options.sink.skipped(op);
      return Promise.resolve(fallback());
    }
    const probe = !this.#up;
    if (probe) this.#probing = true;
    return new Promise<T>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        // One more turn of the event loop first: if the process itself was busy, the reply may
        // be sitting in the socket, and timers run before I/O callbacks.
        setImmediate(() => {
          if (settled) return;
          settled = true;
          const error = new Error(`no answer within ${this.budgetMs} ms`);
          if (probe || ++this.#timeoutsInARow >= TIMEOUTS_TO_TRIP) this.#failed(op, error, probe);
          else this.#options.sink.failed(op);
          resolve(fallback());
        });
      }, this.budgetMs);
      let pending: Promise<T>;
      try {
        pending = work();
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.#succeeded(probe);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.#failed(op, error, probe);
          resolve(fallback());
        },
      );
    });
  }

  /** The connection dropped: go down now rather than let the next request find out. */
  connectionLost(error: unknown): void {
    if (this.#up) this.#goDown('connection', error);
  }

  /** The client reconnected: try Redis again with the next operation instead of after the backoff. */
  connectionRestored(): void {
    if (!this.#up) this.#retryAt = 0;
  }

  #mayTry(): boolean {
    if (this.#up) return true;
    return !this.#probing && this.#now() >= this.#retryAt;
  }

  #succeeded(probe: boolean): void {
    this.#timeoutsInARow = 0;
    if (probe) this.#probing = false;
    if (this.#up) return;
    this.#up = true;
    this.#backoff = this.#options.backoffMs;
    this.#options.sink.up(true);
    this.#options.logger.info({ downMs: this.#now() - this.#downSince, skipped: this.#skippedThisEpisode }, 'redis is back: shared cache and limits resumed');
  }

  #failed(op: string, error: unknown, probe: boolean): void {
    this.#options.sink.failed(op);
    if (probe) {
      this.#probing = false;
      this.#backoff = Math.min(this.#backoff * 2, this.#options.maxBackoffMs);
      this.#retryAt = this.#now() + this.#backoff;
      return;
    }
    if (this.#up) this.#goDown(op, error);
  }

  #goDown(op: string, error: unknown): void {
    this.#up = false;
    this.#timeoutsInARow = 0;
    this.#downSince = this.#now();
    this.#skippedThisEpisode = 0;
    this.#retryAt = this.#downSince + this.#backoff;
    this.#options.sink.up(false);
    // One warning per episode: the recovery line closes it.
    this.#options.logger.warn({ op, err: error instanceof Error ? error.message : String(error) }, 'redis unavailable: serving from local cache and limits until it is back');
  }
}
