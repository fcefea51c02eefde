import { execFileSync, spawn } from 'node:child_process';
import { constants, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchedDestination } from '../src/logging/batchedDestination.js';

const ROOT = new URL('..', import.meta.url).pathname;
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const tempDir = (): string => (dir = mkdtempSync(join(tmpdir(), 'taogate-log-')));
const flushed = (destination: BatchedDestination): Promise<void> => new Promise((resolve) => destination.flush(resolve));

describe('the batched log destination', () => {
  it('writes every line, in order, in few writes, and flush() waits until they are out', async () => {
    const file = join(tempDir(), 'out.log');
    const fd = openSync(file, 'w');
    const destination = new BatchedDestination(fd, { batchChars: 4_096 });
    const lines = Array.from({ length: 5_000 }, (_, i) => `{"n":${i},"text":"ünïcödé ${'x'.repeat(i % 50)}"}\n`);
    // Under the batch size, a line waits for more (or for flush): nothing is written yet.
    destination.write(lines[0]!);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(file, 'utf8')).toBe('');
    for (const line of lines.slice(1)) destination.write(line);
    await flushed(destination);
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
    expect(destination.dropped).toBe(0);
  });

  it('drops and counts lines instead of growing without bound when the reader is stuck, and says so once it reads again', async () => {
    const fifo = join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Read-write and non-blocking: nobody reads yet, so the pipe fills (64 KiB) and refuses with EAGAIN.
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const destination = new BatchedDestination(fd, { batchChars: 1_024, maxPendingChars: 100_000 });
    const line = `{"msg":"${'y'.repeat(90)}"}\n`;
    const startedAt = performance.now();
    for (let i = 0; i < 10_000; i++) destination.write(line); // 1 MB into a 64 KiB pipe plus 100 kB of room
    // Writing never waited on the reader, and the excess was dropped rather than kept.
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(destination.dropped).toBeGreaterThan(8_000);
    const droppedWhileStuck = destination.dropped;

    // A reader arrives: the waiting lines drain, and the next line reports how many were lost.
    const reader = new Socket({ fd: openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
    let received = '';
    reader.on('data', (chunk: Buffer) => (received += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    destination.write('{"msg":"after"}\n');
    await flushed(destination);
    await new Promise((resolve) => setTimeout(resolve, 100));
    reader.destroy();
    closeSync(fd);
    expect(received).toContain(`"dropped":${droppedWhileStuck}`);
    expect(received.endsWith('{"msg":"after"}\n')).toBe(true);
    expect(() => received.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).not.toThrow();
  });

  it('on exit, writes a batch the pipe had refused before the lines queued after it', async () => {
    const fifo = join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const destination = new BatchedDestination(fd, { batchChars: 1_024 });
    const lines = Array.from({ length: 3_000 }, (_, i) => `{"n":${i},"pad":"${'z'.repeat(40)}"}\n`);
    for (const line of lines) destination.write(line); // ~150 KB into a 64 KiB pipe nobody reads yet
    await new Promise((resolve) => setTimeout(resolve, 50)); // a batch is now parked on EAGAIN
    const out = join(dir, 'out.log');
    const reader = spawn('sh', ['-c', `cat "${fifo}" > "${out}"`], { stdio: 'ignore' });
    destination.flushSync(); // as at process exit: no timer will run again
    closeSync(fd);
    await new Promise((resolve) => reader.once('close', resolve));
    expect(readFileSync(out, 'utf8')).toBe(lines.join(''));
  });

  it('a gateway process that exits right after logging still writes every line', async () => {
    const script = [
      "import { createLogger } from './src/logging/logger.ts';",
      "const logger = createLogger('info');",
      "for (let i = 0; i < 3000; i++) logger.info({ i }, 'line');",
      'process.exit(0);',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => child.once('close', resolve));
    const numbers = out.trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    expect(numbers).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});
