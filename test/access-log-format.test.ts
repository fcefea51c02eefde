import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AccessLog, type AccessRecord } from '../src/logging/accessLog.js';
import { createLogger } from '../src/logging/logger.js';

/** A logger writing into an array, the way the gateway's own logger is configured. */
function capture(level = 'info'): { lines: string[]; logger: pino.Logger } {
  const lines: string[] = [];
  return { lines, logger: createLogger(level, { write: (line: string) => void lines.push(line) }) };
}

const records: AccessRecord[] = [
  { reqId: '8f14e45f-ceea-467f-a0e6-000000000001', method: 'POST', route: '/v1/chat/completions', status: 200, ms: 1.2, model: 'bench', miner: 7, asked: 2, cache: 'MISS' },
  { reqId: 'client-id', method: 'GET', route: 'unmatched', status: 404, ms: 0 },
  // Strings a client controls: quotes, backslashes, control characters, non-ASCII, a fake field.
  { reqId: 'x', method: 'POST', route: '/v1/completions', status: 400, ms: 12.5, model: 'a"b\\c\n\u0001é","level":60,"x":"', cache: 'BYPASS' },
];

describe('the access log', () => {
  it('writes exactly what pino would write for logger.info(record, "request"), time aside', () => {
    const ours = capture();
    const reference = capture();
    const access = new AccessLog(ours.logger);
    for (const record of records) {
      access.write(record);
      reference.logger.info(record, 'request');
    }
    expect(ours.lines).toHaveLength(records.length);
    for (let i = 0; i < records.length; i++) {
      const withoutTime = (line: string): string => line.replace(/"time":"[^"]+"/, '"time":"T"');
      expect(ours.lines[i]!.endsWith('\n')).toBe(true);
      expect(withoutTime(ours.lines[i]!)).toBe(withoutTime(reference.lines[i]!));
      const parsed = JSON.parse(ours.lines[i]!) as Record<string, unknown>;
      expect(parsed.level).toBe(30);
      expect(Number.isNaN(Date.parse(parsed.time as string))).toBe(false);
      expect(parsed.model).toBe(records[i]!.model);
    }
  });

  it('is silent when the level is above info, and follows level changes', () => {
    const { lines, logger } = capture('warn');
    const access = new AccessLog(logger);
    access.write(records[0]!);
    expect(lines).toHaveLength(0);
    logger.level = 'debug';
    access.write(records[0]!);
    expect(lines).toHaveLength(1);
  });
});
