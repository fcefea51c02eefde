/**
 * This VM's speed drifts by 10-30% over minutes, so a target measured a minute after another
 * is not comparable with it. Benchmarks that compare targets measure them in rounds: every
 * target once per round, back to back, and report each figure's median over the rounds;
 * ratios between targets are taken within a round (measured close in time) and their median
 * reported.
 */
export type Row = Record<string, string | number>;

export interface RoundsResult {
  /** Per target: every numeric field's median over the rounds (strings from the first round). */
  median: Record<string, Row>;
  perRound: Array<Record<string, Row>>;
}

export async function inRounds(rounds: number, jobs: Array<{ key: string; run: () => Promise<Row> }>): Promise<RoundsResult> {
  const perRound: Array<Record<string, Row>> = [];
  for (let round = 0; round < rounds; round++) {
    const rows: Record<string, Row> = {};
    for (const job of jobs) rows[job.key] = await job.run();
    perRound.push(rows);
  }
  const median: Record<string, Row> = {};
  for (const { key } of jobs) {
    const first = perRound[0]![key]!;
    const row: Row = {};
    for (const [field, value] of Object.entries(first)) {
      row[field] = typeof value === 'number' ? medianOf(perRound.map((r) => r[key]![field] as number)) : value;
    }
    median[key] = row;
  }
  return { median, perRound };
}

/** The median, over the rounds, of a figure computed from one round's rows. */
export function medianOverRounds(result: RoundsResult, figure: (round: Record<string, Row>) => number): number {
  return medianOf(result.perRound.map(figure));
}

export function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
