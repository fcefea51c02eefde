import type { Metrics } from '../metrics/metrics.js';
import type { MinerError } from '../transport/minerError.js';
import type { CallObserver, CallRecord, CallSuccess } from './callObserver.js';

/** Counts and times miner calls in Prometheus metrics. */
export function metricsObserver(metrics: Metrics, now: () => number = Date.now): CallObserver {
  return { begin: (model) => new MetricsRecord(metrics, model, now) };
}

class MetricsRecord implements CallRecord {
  readonly #metrics: Metrics;
  readonly #model: string;
  readonly #now: () => number;
  readonly #started: number;

  constructor(metrics: Metrics, model: string, now: () => number) {
    this.#metrics = metrics;
    this.#model = model;
    this.#now = now;
    this.#started = now();
  }

  success(info: CallSuccess): void {
    const metrics = this.#metrics;
    metrics.minerRequests.cell(this.#model, 'ok').inc();
    metrics.minerDuration.cell(this.#model, 'ok').observe((this.#now() - this.#started) / 1000);
    if (info.firstByteMs !== undefined) metrics.minerFirstByte.cell(this.#model).observe(info.firstByteMs / 1000);
  }

  failure(error: MinerError): void {
    this.#metrics.minerRequests.cell(this.#model, error.code).inc();
    this.#metrics.minerDuration.cell(this.#model, error.code).observe((this.#now() - this.#started) / 1000);
  }
}
