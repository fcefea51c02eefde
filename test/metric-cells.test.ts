import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { CounterFamily, HistogramFamily } from '../src/metrics/cells.js';

const BUCKETS = [0.005, 0.01, 0.1, 1, 10];

/** The registry's text for one metric, with the metric's name replaced so two can be compared. */
async function rendered(registry: Registry, name: string): Promise<string> {
  return (await registry.getSingleMetricAsString(name)).replaceAll(name, 'm');
}

describe('metric cells render exactly what prom-client renders', () => {
  it('counters with labels, several label sets, fractional increments', async () => {
    const registry = new Registry();
    const reference = new Counter({ name: 'ref_total', help: 'h', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
    const cells = new CounterFamily({ name: 'cells_total', help: 'h', labelNames: ['route', 'method', 'status'], registers: [registry] });
    const events: Array<[string, string, string, number]> = [
      ['/v1/chat/completions', 'POST', '200', 1], ['/v1/chat/completions', 'POST', '200', 1],
      ['/v1/models', 'GET', '200', 1], ['/v1/chat/completions', 'POST', '502', 2.5], ['/v1/models', 'GET', '404', 1],
    ];
    for (const [route, method, status, by] of events) {
      reference.inc({ route, method, status }, by);
      cells.cell(route, method, status).inc(by);
    }
    expect(await rendered(registry, 'cells_total')).toBe(await rendered(registry, 'ref_total'));
    expect(await rendered(registry, 'cells_total')).toContain('m{route="/v1/chat/completions",method="POST",status="200"} 2');
  });

  it('histograms: buckets, boundaries, sums and counts per label set', async () => {
    const registry = new Registry();
    const reference = new Histogram({ name: 'ref_seconds', help: 'h', labelNames: ['model', 'outcome'] as const, buckets: BUCKETS, registers: [registry] });
    const cells = new HistogramFamily({ name: 'cells_seconds', help: 'h', labelNames: ['model', 'outcome'], buckets: BUCKETS, registers: [registry] });
    // Values on the boundaries belong to their bucket (le = less or equal); 50 is past every bound.
    const values = [0.001, 0.005, 0.0051, 0.01, 0.5, 1, 3, 10, 50];
    values.forEach((value, i) => {
      const outcome = i % 3 === 0 ? 'ok' : 'timeout';
      reference.observe({ model: 'a', outcome }, value);
      cells.cell('a', outcome).observe(value);
    });
    expect(await rendered(registry, 'cells_seconds')).toBe(await rendered(registry, 'ref_seconds'));
    expect(await rendered(registry, 'cells_seconds')).toContain('m_bucket{le="+Inf",model="a",outcome="ok"} 3');
  });

  it('a cell kept by its user is the one the family reads, and a reset forgets every cell', async () => {
    const registry = new Registry();
    const cells = new CounterFamily({ name: 'kept_total', help: 'h', labelNames: ['key'], registers: [registry] });
    const kept = cells.cell('k1');
    kept.inc();
    expect(cells.cell('k1')).toBe(kept);
    kept.inc(2);
    expect(await registry.getSingleMetricAsString('kept_total')).toContain('kept_total{key="k1"} 3');
    registry.resetMetrics();
    expect(await registry.getSingleMetricAsString('kept_total')).not.toContain('k1');
  });

  it('families without labels and with one label', async () => {
    const registry = new Registry();
    const reference = new Histogram({ name: 'ref_n', help: 'h', buckets: [1, 2, 3], registers: [registry] });
    const cells = new HistogramFamily({ name: 'cells_n', help: 'h', labelNames: [], buckets: [1, 2, 3], registers: [registry] });
    for (const value of [1, 2, 2, 7]) {
      reference.observe(value);
      cells.cell().observe(value);
    }
    expect(await rendered(registry, 'cells_n')).toBe(await rendered(registry, 'ref_n'));
  });
});
