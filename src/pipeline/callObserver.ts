import type { MinerEntry } from '../metagraph/types.js';
import type { MinerError } from '../transport/minerError.js';

/** What one finished miner call reports. */
export interface CallSuccess {
  firstByteMs?: number;
  /** Completion tokens (from the miner's usage, or estimated), for tokens/s on streams. */
  completionTokens?: number;
  streamed: boolean;
}

/** The record of one miner call, closed exactly once with its outcome. */
export interface CallRecord {
  success(info: CallSuccess): void;
  failure(error: MinerError): void;
}

/** Watches every miner call: metrics now, per-miner telemetry for routing. */
export interface CallObserver {
  begin(model: string, miner: MinerEntry, streamed: boolean): CallRecord;
}

/** Fans one call out to several observers. */
export function combineObservers(observers: CallObserver[]): CallObserver {
  return { begin: (model, miner, streamed) => new CombinedRecord(observers.map((o) => o.begin(model, miner, streamed))) };
}

/** Closes every observer's record once (a class, not closures: one of these per miner call). */
class CombinedRecord implements CallRecord {
  readonly #records: CallRecord[];
  #closed = false;

  constructor(records: CallRecord[]) {
    this.#records = records;
  }

  success(info: CallSuccess): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#records) r.success(info);
  }

  failure(error: MinerError): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#records) r.failure(error);
  }
}
