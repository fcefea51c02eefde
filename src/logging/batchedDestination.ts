import { write as fsWrite, writeSync } from 'node:fs';

export interface BatchedDestinationOptions {
  /**
   * A batch is written once this many characters are waiting. Each write is a hop to libuv's
   * threadpool and back; with 64 KiB (~250 access lines) the gateway's access line costs
   * 1.20-1.24 µs against 1.36-1.41 µs with 16 KiB, building the line included (`npm run bench
   * -- logging`, one core), and a quiet gateway still flushes twice a second.
   */
  batchChars?: number;
  /** Past this many characters waiting (the reader is stuck), new lines are dropped and counted. */
  maxPendingChars?: number;
}

/** How long to wait before retrying a write the pipe refused with EAGAIN (its reader is behind). */
const RETRY_MS = 20;
/** Something to block on for a millisecond in flushSync (process exit cannot wait for a timer). */
const EXIT_PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * The log destination: lines are appended to one string and written with one async
 * `fs.write` per batch, one write in flight at a time, so the event loop never waits on the
 * log reader.
 *
 * Why not pino's own (sonic-boom): it measures the byte length of its whole buffer on every
 * line and converts each written batch to a Buffer: 2.6-3.4 µs a line on top of
 * serialisation, against under 1 µs here, an append (`npm run bench -- logging` measures
 * both). Lengths are counted in UTF-16 units, which is all a batching threshold needs.
 *
 * A reader that stops reading (a stuck log pipe) must not take the gateway's memory with it:
 * past `maxPendingChars`, lines are dropped, counted in `dropped`, and the drop is announced
 * in the next line that gets through.
 */
export class BatchedDestination {
  readonly #fd: number;
  readonly #batchChars: number;
  readonly #maxPendingChars: number;
  #pending = '';
  #writing = false;
  #dropped = 0;
  #droppedUnreported = 0;
  #waiters: Array<() => void> = [];
  /** A batch the pipe refused (EAGAIN), waiting for its retry: exit must write it first. */
  #parked: { bytes: Buffer; retry: NodeJS.Timeout } | undefined;

  constructor(fd: number, options: BatchedDestinationOptions = {}) {
    this.#fd = fd;
    this.#batchChars = options.batchChars ?? 64 * 1024;
    this.#maxPendingChars = options.maxPendingChars ?? 16 * 1024 * 1024;
  }

  /** Lines dropped so far because the reader was too far behind. */
  get dropped(): number {
    return this.#dropped;
  }

  write(line: string): boolean {
    if (this.#pending.length + line.length > this.#maxPendingChars) {
      this.#dropped++;
      this.#droppedUnreported++;
      return false;
    }
    if (this.#droppedUnreported > 0) {
      this.#pending += `{"level":40,"time":"${new Date().toISOString()}","msg":"log lines dropped: the log reader is too slow","dropped":${this.#droppedUnreported}}\n`;
      this.#droppedUnreported = 0;
    }
    this.#pending += line;
    if (!this.#writing && this.#pending.length >= this.#batchChars) this.#writeBatch();
    return true;
  }

  /** Writes what is waiting; `done` runs once everything written so far has left the process. */
  flush(done?: () => void): void {
    if (done !== undefined) this.#waiters.push(done);
    if (!this.#writing) {
      if (this.#pending.length > 0) this.#writeBatch();
      else this.#settleWaiters();
    }
  }

  /**
   * For process exit: writes what is waiting synchronously, a batch parked for a retry first
   * (a write already handed to the kernel finishes on its own).
   */
  flushSync(): void {
    const parked = this.#parked;
    this.#parked = undefined;
    if (parked !== undefined) {
      clearTimeout(parked.retry);
      this.#writing = false; // nothing is in flight any more: the parked batch is written here
    }
    let rest = parked === undefined ? Buffer.from(this.#pending) : Buffer.concat([parked.bytes, Buffer.from(this.#pending)]);
    this.#pending = '';
    for (let attempts = 0; rest.length > 0 && attempts < 1_000; attempts++) {
      try {
        rest = rest.subarray(writeSync(this.#fd, rest));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        // The reader is behind: give it a millisecond (at most ~1 s in all, then give up).
        Atomics.wait(EXIT_PAUSE, 0, 0, 1);
      }
    }
  }

  #writeBatch(): void {
    const batch = this.#pending;
    this.#pending = '';
    this.#writing = true;
    this.#writeBytes(Buffer.from(batch));
  }

  #writeBytes(bytes: Buffer): void {
    fsWrite(this.#fd, bytes, 0, bytes.length, null, (error, written) => {
      if (error !== null) {
        if (error.code === 'EAGAIN') {
          const retry = setTimeout(() => {
            this.#parked = undefined;
            this.#writeBytes(bytes);
          }, RETRY_MS).unref();
          this.#parked = { bytes, retry };
          return;
        }
        // Nowhere left to report a broken log stream: the batch is lost, later ones are tried.
        written = bytes.length;
      }
      if (written < bytes.length) {
        this.#writeBytes(bytes.subarray(written));
        return;
      }
      this.#writing = false;
      if (this.#pending.length >= this.#batchChars || (this.#waiters.length > 0 && this.#pending.length > 0)) this.#writeBatch();
      else this.#settleWaiters();
    });
  }

  #settleWaiters(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }
}
