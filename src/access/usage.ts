import type { Metrics } from '../metrics/metrics.js';
import type { Usage } from '../openai/types.js';
import type { KeyUsage } from './apiKeys.js';

/** Where usage counters are added up across replicas; `false` means "not now, keep them". */
export type UsageSink = (id: string, usage: KeyUsage) => Promise<boolean>;

/**
 * Per-key usage counters: Prometheus counters at once, and (with Redis) the shared totals
 * `taogate keys usage` reads, added in one batch per key every `flushMs` instead of one write
 * per request. Counts that cannot be written (Redis down) wait for the next flush.
 */
export class UsageRecorder {
  readonly #metrics: Metrics;
  readonly #sink: UsageSink | undefined;
  readonly #flushMs: number;
  #pending = new Map<string, KeyUsage>();
  #timer: NodeJS.Timeout | undefined;

  constructor(metrics: Metrics, sink: UsageSink | undefined, flushMs: number) {
    this.#metrics = metrics;
    this.#sink = sink;
    this.#flushMs = flushMs;
  }

  /** A request was let in. */
  admitted(id: string): void {
    this.#metrics.keyRequests.cell(id).inc();
    if (this.#sink !== undefined) this.#slot(id).requests += 1;
  }

  /** The client got its whole answer. */
  answered(id: string, usage: Usage | undefined, cached: boolean): void {
    if (usage === undefined) return;
    this.#metrics.keyTokens.cell(id, 'prompt').inc(usage.prompt_tokens);
    this.#metrics.keyTokens.cell(id, 'completion').inc(usage.completion_tokens);
    if (this.#sink === undefined) return;
    const slot = this.#slot(id);
    slot.promptTokens += usage.prompt_tokens;
    slot.completionTokens += usage.completion_tokens;
    if (cached) slot.cached += 1;
  }

  start(): void {
    if (this.#sink === undefined || this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.flush(), this.#flushMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Writes what accumulated since the last flush. */
  async flush(): Promise<void> {
    if (this.#sink === undefined || this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    await Promise.all([...batch].map(async ([id, usage]) => {
      if (await this.#sink!(id, usage)) return;
      const slot = this.#slot(id);
      slot.requests += usage.requests;
      slot.promptTokens += usage.promptTokens;
      slot.completionTokens += usage.completionTokens;
      slot.cached += usage.cached;
    }));
  }

  #slot(id: string): KeyUsage {
    let slot = this.#pending.get(id);
    if (slot === undefined) this.#pending.set(id, (slot = { requests: 0, promptTokens: 0, completionTokens: 0, cached: 0 }));
    return slot;
  }
}
