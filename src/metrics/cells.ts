import type { Registry } from 'prom-client';

/**
 * Metrics updated on every request, at the cost of an addition. prom-client's labelled
 * `inc`/`observe` validate and hash the label object on every call and allocate while doing
 * it (measured 0.25-0.35 µs each in a hot loop, more in a busy gateway, and a request made
 * eleven such updates). Here a label set is resolved once to a cell, a plain object of numbers
 * that call sites keep, and the numbers are only read when /metrics is scraped.
 *
 * The families implement the part of prom-client's metric interface its Registry uses
 * (`name`, `help`, `type`, `aggregator`, `get`, `reset`), so they live in the same registry
 * and render in the same text format as every other metric.
 */

/** Label values in the order of the family's label names. */
type LabelValues = readonly string[];

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * Cells by their label values, one Map level per label (at most three): a lookup is a Map
 * get per label and allocates nothing.
 */
class CellTree<C> {
  readonly #root = new Map<string, unknown>();
  readonly #depth: number;
  readonly #make: () => C;
  readonly all: Array<{ values: LabelValues; cell: C }> = [];

  constructor(depth: number, make: () => C) {
    if (depth > 3) throw new Error('cell families take at most three labels');
    this.#depth = depth;
    this.#make = make;
  }

  get(a: string, b: string, c: string): C {
    const depth = this.#depth;
    let level = this.#root;
    if (depth > 1) level = this.#level(level, a);
    if (depth > 2) level = this.#level(level, b);
    const last = depth === 0 ? '' : depth === 1 ? a : depth === 2 ? b : c;
    let cell = level.get(last) as C | undefined;
    if (cell === undefined) {
      cell = this.#make();
      level.set(last, cell);
      this.all.push({ values: [a, b, c].slice(0, depth), cell });
    }
    return cell;
  }

  #level(level: Map<string, unknown>, value: string): Map<string, unknown> {
    let next = level.get(value) as Map<string, unknown> | undefined;
    if (next === undefined) {
      next = new Map();
      level.set(value, next);
    }
    return next;
  }

  clear(): void {
    this.#root.clear();
    this.all.length = 0;
  }
}

abstract class CellFamily<C> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames: readonly string[];
  protected readonly cells: CellTree<C>;

  constructor(options: { name: string; help: string; labelNames: readonly string[]; registers: Registry[] }, make: () => C) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.cells = new CellTree(options.labelNames.length, make);
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  /** The cell of one label set (values in the order of `labelNames`): keep it, or look it up per use (no allocation). */
  cell(a = '', b = '', c = ''): C {
    return this.cells.get(a, b, c);
  }

  protected labelsOf(values: LabelValues): Record<string, string | number> {
    const labels: Record<string, string | number> = {};
    this.labelNames.forEach((name, i) => { labels[name] = values[i]!; });
    return labels;
  }

  reset(): void {
    this.cells.clear();
  }

  abstract get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }>;
}

export class CounterCell {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

/** A counter with labels, updated through cells. */
export class CounterFamily extends CellFamily<CounterCell> {
  readonly type = 'counter' as const;

  constructor(options: { name: string; help: string; labelNames: readonly string[]; registers: Registry[] }) {
    super(options, () => new CounterCell());
  }

  async get() {
    return {
      name: this.name, help: this.help, type: this.type, aggregator: this.aggregator,
      values: this.cells.all.map(({ values, cell }) => ({ value: cell.value, labels: this.labelsOf(values) })),
    };
  }
}

export class HistogramCell {
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative; the last one is +Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** A histogram with labels (Prometheus `le` buckets, cumulative when rendered), updated through cells. */
export class HistogramFamily extends CellFamily<HistogramCell> {
  readonly type = 'histogram' as const;
  readonly #bounds: readonly number[];

  constructor(options: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[]; registers: Registry[] }) {
    const bounds = [...options.buckets].sort((a, b) => a - b);
    super(options, () => new HistogramCell(bounds));
    this.#bounds = bounds;
  }



  async get() {
    const values: MetricValue[] = [];
    for (const { values: labelValues, cell } of this.cells.all) {
      const labels = this.labelsOf(labelValues);
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += cell.counts[i]!;
        values.push({ value: cumulative, labels: { le: i < this.#bounds.length ? this.#bounds[i]! : '+Inf', ...labels }, metricName: `${this.name}_bucket` });
      }
      values.push({ value: cell.sum, labels, metricName: `${this.name}_sum` });
      values.push({ value: cell.count, labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
