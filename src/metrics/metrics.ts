import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CounterFamily, HistogramFamily } from './cells.js';
import { createStateMetrics } from './stateMetrics.js';

/** One subnet's metagraph as its gauges report it, read from the chain source when scraped. */
export interface MetagraphReading {
  netuid: number;
  block: number | null;
  ageSeconds: number | null;
  /** Miner counts by state: `eligible` or an exclusion kind (a bounded set). */
  miners: Readonly<Record<string, number>>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Every metric the gateway exports, on one registry per gateway instance (so tests can run
 * several in one process). Names follow Prometheus conventions: `_total` counters, base
 * units (`_seconds`, `_bytes`), and labels with bounded values only (route patterns, codes).
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let readMetagraph: () => readonly MetagraphReading[] = () => [];
  const httpInFlight = { value: 0 };
  new Gauge({
    name: 'taogate_http_requests_in_flight', help: 'HTTP requests being served.', registers,
    collect() { this.set(httpInFlight.value); },
  });
  return {
    registry,
    // Updated on every request: cell families (see cells.ts), not prom-client's labelled metrics.
    httpRequests: new CounterFamily({
      name: 'taogate_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'], registers,
    }),
    httpDuration: new HistogramFamily({
      name: 'taogate_http_request_duration_seconds', help: 'Time from request to the last byte of the response.',
      labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS, registers,
    }),
    /** Requests being served (a plain number, read when scraped). */
    httpInFlight,
    minerRequests: new CounterFamily({
      name: 'taogate_miner_requests_total', help: 'Calls to miners, by model and outcome (ok, or the failure code).',
      labelNames: ['model', 'outcome'], registers,
    }),
    minerDuration: new HistogramFamily({
      name: 'taogate_miner_request_duration_seconds', help: 'Duration of miner calls, start to last byte.',
      labelNames: ['model', 'outcome'], buckets: LATENCY_BUCKETS, registers,
    }),
    minerFirstByte: new HistogramFamily({
      name: 'taogate_miner_first_byte_seconds', help: 'Time to the first byte of a miner answer (first event for streams).',
      labelNames: ['model'], buckets: LATENCY_BUCKETS, registers,
    }),
    fanoutAsked: new HistogramFamily({
      name: 'taogate_fanout_miners_asked', help: 'Miners asked per client request that reached miners.',
      labelNames: ['model', 'strategy'], buckets: [1, 2, 3, 4, 5, 8, 12], registers,
    }),
    streamsAborted: new CounterFamily({
      name: 'taogate_streams_aborted_total', help: 'Client streams that ended early, by reason (client_gone, miner_failed).',
      labelNames: ['reason'], registers,
    }),
    // The metagraph gauges are read from the chain sources at scrape time: nothing to keep in step.
    metagraphBlock: new Gauge({
      name: 'taogate_metagraph_block', help: 'Block of the metagraph snapshot being served, by subnet.',
      labelNames: ['netuid'] as const, registers,
      collect() {
        this.reset();
        for (const r of readMetagraph()) if (r.block !== null) this.set({ netuid: String(r.netuid) }, r.block);
      },
    }),
    metagraphAge: new Gauge({
      name: 'taogate_metagraph_age_seconds', help: 'Age of the metagraph snapshot being served, by subnet.',
      labelNames: ['netuid'] as const, registers,
      collect() {
        this.reset();
        for (const r of readMetagraph()) if (r.ageSeconds !== null) this.set({ netuid: String(r.netuid) }, r.ageSeconds);
      },
    }),
    metagraphMiners: new Gauge({
      name: 'taogate_metagraph_miners', help: 'Neurons of the served snapshot by state: eligible, or why excluded.',
      labelNames: ['netuid', 'state'] as const, registers,
      collect() {
        this.reset();
        for (const r of readMetagraph()) {
          for (const [state, count] of Object.entries(r.miners)) this.set({ netuid: String(r.netuid), state }, count);
        }
      },
    }),
    metagraphRefreshFailures: new Counter({
      name: 'taogate_metagraph_refresh_failures_total', help: 'Failed reads of a subnet from the chain (the last good snapshot keeps serving).',
      labelNames: ['netuid'] as const, registers,
    }),
    /** Where the metagraph gauges read their values when scraped (set once the chain sources exist). */
    readMetagraphFrom(read: () => readonly MetagraphReading[]): void {
      readMetagraph = read;
    },
    ...createStateMetrics(registers),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
