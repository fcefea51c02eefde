import { Gauge, type Registry } from 'prom-client';

/** One miner's current state, as exported per miner. */
export interface MinerGaugeRow {
  model: string;
  uid: number;
  hotkey: string;
  score: number;
  ttfbSeconds?: number;
  latencySeconds?: number;
  inFlight: number;
  successRatio?: number;
  /** 1 while the miner is cooling down (breaker open). */
  coolingDown: boolean;
}

/**
 * Per-miner gauges, computed at scrape time from the provider. Labels carry uid and
 * hotkey, so the provider must bound the rows (e.g. the busiest N miners per model): a
 * subnet has up to 256–1024 miners, and unbounded label sets are what break Prometheus.
 */
export function registerMinerGauges(registry: Registry, provider: () => MinerGaugeRow[]): void {
  const labelNames = ['model', 'uid', 'hotkey'] as const;
  const registers = [registry];
  const score = new Gauge({ name: 'taogate_miner_score', help: 'Routing score of the busiest miners (0-1).', labelNames, registers });
  const ttfb = new Gauge({ name: 'taogate_miner_ttfb_seconds', help: 'Peak-EWMA time to first byte of the busiest miners.', labelNames, registers });
  const latency = new Gauge({ name: 'taogate_miner_latency_seconds', help: 'Peak-EWMA call duration of the busiest miners.', labelNames, registers });
  const inFlight = new Gauge({ name: 'taogate_miner_in_flight', help: 'Calls in flight to the busiest miners (all replicas).', labelNames, registers });
  const success = new Gauge({ name: 'taogate_miner_success_ratio', help: 'Share of successful calls in the rolling window.', labelNames, registers });
  const cooling = new Gauge({ name: 'taogate_miner_cooling_down', help: '1 while a miner is cooling down after failures.', labelNames, registers });
  // One collect refreshes all six: prom-client calls collect per metric, so cache per scrape.
  let cached: { at: number; rows: MinerGaugeRow[] } | undefined;
  const rows = (): MinerGaugeRow[] => {
    const now = Date.now();
    if (cached === undefined || now - cached.at > 500) cached = { at: now, rows: provider() };
    return cached.rows;
  };
  const fill = (gauge: Gauge<(typeof labelNames)[number]>, value: (row: MinerGaugeRow) => number | undefined) => function collect(): void {
    gauge.reset();
    for (const row of rows()) {
      const v = value(row);
      if (v !== undefined) gauge.set({ model: row.model, uid: String(row.uid), hotkey: row.hotkey }, v);
    }
  };
  Object.assign(score, { collect: fill(score, (r) => r.score) });
  Object.assign(ttfb, { collect: fill(ttfb, (r) => r.ttfbSeconds) });
  Object.assign(latency, { collect: fill(latency, (r) => r.latencySeconds) });
  Object.assign(inFlight, { collect: fill(inFlight, (r) => r.inFlight) });
  Object.assign(success, { collect: fill(success, (r) => r.successRatio) });
  Object.assign(cooling, { collect: fill(cooling, (r) => (r.coolingDown ? 1 : 0)) });
}
