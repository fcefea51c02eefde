/**
 * Incremental parser for `text/event-stream` bytes. Lines are split on raw bytes (LF, CRLF
 * or CR), so a UTF-8 character split across network chunks is decoded only once whole.
 * Only `data` fields matter to the gateway; comments, `event`, `id` and `retry` are skipped.
 */
export class SseParser {
  #pending: Buffer | undefined;
  #data: string[] = [];
  #skipLeadingLf = false;
  readonly #maxLineBytes: number;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Feeds bytes; returns the `data` payloads of every event completed by them. */
  push(chunk: Buffer): string[] {
    const events: string[] = [];
    const buf = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    let start = 0;
    if (this.#skipLeadingLf && buf.length > 0) {
      if (buf[0] === 0x0a) start = 1;
      this.#skipLeadingLf = false;
    }
    // Most servers end lines with LF only: then the native indexOf finds them (much faster
    // than a byte loop in JS); CR and CRLF streams take the general loop below.
    if (buf.indexOf(0x0d, start) === -1) {
      for (let lf = buf.indexOf(0x0a, start); lf !== -1; lf = buf.indexOf(0x0a, start)) {
        this.#line(buf.toString('utf8', start, lf), events);
        start = lf + 1;
      }
      return this.#keep(buf, start, events);
    }
    for (let i = start; i < buf.length; i++) {
      const byte = buf[i];
      if (byte !== 0x0a && byte !== 0x0d) continue;
      this.#line(buf.toString('utf8', start, i), events);
      if (byte === 0x0d) {
        if (i + 1 < buf.length) {
          if (buf[i + 1] === 0x0a) i++;
        } else {
          this.#skipLeadingLf = true;
        }
      }
      start = i + 1;
    }
    return this.#keep(buf, start, events);
  }

  /** Holds the unfinished line at the end of a chunk for the next one. */
  #keep(buf: Buffer, start: number, events: string[]): string[] {
    if (start < buf.length) {
      if (buf.length - start > this.#maxLineBytes) throw new SseLineTooLongError();
      this.#pending = buf.subarray(start);
    }
    return events;
  }

  /** True when bytes of an unfinished line or event are still held (the stream ended mid-event). */
  get hasPartialEvent(): boolean {
    return this.#pending !== undefined || this.#data.length > 0;
  }

  #line(line: string, events: string[]): void {
    if (line.length === 0) {
      if (this.#data.length > 0) {
        events.push(this.#data.join('\n'));
        this.#data = [];
      }
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // ':' comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    this.#data.push(value);
  }
}

export class SseLineTooLongError extends Error {
  constructor() {
    super('SSE line exceeds the size limit');
    this.name = 'SseLineTooLongError';
  }
}
