import { openSync } from 'node:fs';
import { pino, type DestinationStream } from 'pino';
import { AccessLog, type AccessRecord } from '../src/logging/accessLog.js';
import { BatchedDestination } from '../src/logging/batchedDestination.js';
import { printTable } from './lib/table.js';

/** An access line as the gateway writes it, one per request. */
const accessLine = (i: number): AccessRecord => ({
  reqId: `8f14e45f-ceea-467f-a0e6-${String(i).padStart(12, '0')}`, method: 'POST', route: '/v1/chat/completions',
  status: 200, ms: 1.2, model: 'bench', miner: 1, asked: 1, cache: 'MISS',
});

/**
 * The access log's cost per line: pino serialising, then each destination writing to
 * /dev/null (so the disk is not measured); then what the gateway really writes, its
 * AccessLog template, with BatchedDestination at two batch sizes. Lines arrive 16 per
 * event-loop turn, as they do in a busy gateway. CPU time is the whole process's, so the
 * threadpool's writes are counted.
 */
export async function runLoggingBench(lines = 200_000): Promise<Record<string, unknown>> {
  // A /dev/null descriptor per destination, left open: the process ends soon after.
  const devNull = (): number => openSync('/dev/null', 'w');
  const destinations: Record<string, () => DestinationStream & { flush?: (cb: () => void) => void }> = {
    'serialisation only (no destination)': () => ({ write: () => {} }),
    'sonic-boom, 4 KiB batches (pino default async)': () => pino.destination({ dest: devNull(), sync: false, minLength: 4_096 }) as never,
    'BatchedDestination, 64 KiB batches (taogate)': () => new BatchedDestination(devNull()),
  };
  const templated: Record<string, () => DestinationStream & { flush?: (cb: () => void) => void }> = {
    'taogate\'s access-line template, BatchedDestination 16 KiB': () => new BatchedDestination(devNull(), { batchChars: 16 * 1024 }),
    'taogate\'s access-line template, BatchedDestination 64 KiB (taogate)': () => new BatchedDestination(devNull()),
  };
  const jobs = [
    ...Object.entries(destinations).map(([name, make]) => ({ name, make, template: false })),
    ...Object.entries(templated).map(([name, make]) => ({ name, make, template: true })),
  ];
  const rows: Array<Record<string, string | number>> = [];
  for (let round = 0; round < 2; round++) {
    for (const { name, make, template } of jobs) {
      const destination = make();
      const logger = pino({ level: 'info', base: { service: 'taogate' }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: ['headers.authorization', 'authorization', 'apiKey', 'secret'], censor: '[redacted]' } }, destination);
      const accessLog = new AccessLog(logger);
      const write = template ? (i: number): void => accessLog.write(accessLine(i)) : (i: number): void => logger.info(accessLine(i), 'request');
      const before = process.cpuUsage();
      let i = 0;
      await new Promise<void>((resolve) => {
        const turn = (): void => {
          for (let j = 0; j < 16 && i < lines; j++, i++) write(i);
          if (i < lines) setImmediate(turn);
          else resolve();
        };
        turn();
      });
      await new Promise<void>((resolve) => (destination.flush === undefined ? resolve() : destination.flush(() => resolve())));
      const cpu = process.cpuUsage(before);
      // The first round warms up the JIT; the second is the one reported.
      if (round === 1) rows.push({ destination: name, 'CPU µs/line': (cpu.user + cpu.system) / lines });
    }
  }
  printTable(`Access log, ${lines} lines per destination`, rows);
  return { rows };
}
