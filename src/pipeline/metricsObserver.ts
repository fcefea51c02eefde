import type { Metrics } from '../metrics/metrics.js';
import type { CallObserver } from './callObserver.js';

/** Counts and times miner calls in Prometheus metrics. */
export function metricsObserver(metrics: Metrics, now: () => number = Date.now): CallObserver {
  return {
    begin(model, _miner, _streamed) {
      const started = now();
      return {
        success(info) {
          const seconds = (now() - started) / 1000;
          metrics.minerRequests.cell(model, 'ok').inc();
          metrics.minerDuration.cell(model, 'ok').observe(seconds);
          if (info.firstByteMs !== undefined) metrics.minerFirstByte.cell(model).observe(info.firstByteMs / 1000);
        },
        failure(error) {
          const seconds = (now() - started) / 1000;
          metrics.minerRequests.cell(model, error.code).inc();
          metrics.minerDuration.cell(model, error.code).observe(seconds);
        },
      };
    },
  };
}
