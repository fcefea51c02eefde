/**
 * Incremental parser for `text/event-stream` bytes. Only `data` fields matter to the
 * gateway; comments, `event`, `id` and `retry` are skipped. Lines end with LF, CRLF or CR.
 *
 * Each network chunk is decoded once, up to its last line break: a line break is one byte
 * that never occurs inside a multi-byte UTF-8 character, so a character split across chunks
 * stays in the undecoded remainder until it is whole. Lines are then found with string
 * searches. (Decoding line by line cost a native call per line, two per event.)
 */
export class SseParser {
  #pending: Buffer | undefined;
  /** The data of the event being read (lines joined with LF), if it has any yet. */
  #data: string | undefined;
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
    const end = Math.max(buf.lastIndexOf(0x0a), buf.lastIndexOf(0x0d)) + 1;
    if (end > 0) {
      const text = buf.toString('utf8', 0, end);
      if (text.indexOf('\r') === -1) this.#linesLf(text, events);
      else this.#linesAny(text, events);
    }
    if (end < buf.length) {
      if (buf.length - end > this.#maxLineBytes) throw new SseLineTooLongError();
      this.#pending = end === 0 ? buf : buf.subarray(end);
    }
    return events;
  }

  /** True when bytes of an unfinished line or event are still held (the stream ended mid-event). */
  get hasPartialEvent(): boolean {
    return this.#pending !== undefined || this.#data !== undefined;
  }

  /** Lines ended by LF only: what nearly every server sends. */
  #linesLf(text: string, events: string[]): void {
    let start = 0;
    if (this.#skipLeadingLf) {
      this.#skipLeadingLf = false;
      if (text.charCodeAt(0) === 0x0a) start = 1;
    }
    for (let lf = text.indexOf('\n', start); lf !== -1; lf = text.indexOf('\n', start)) {
      this.#line(text, start, lf, events);
      start = lf + 1;
    }
  }

  /** Lines ended by CR, LF or CRLF, a CRLF possibly split across chunks. */
  #linesAny(text: string, events: string[]): void {
    let start = 0;
    if (this.#skipLeadingLf) {
      this.#skipLeadingLf = false;
      if (text.charCodeAt(0) === 0x0a) start = 1;
    }
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.#line(text, start, i, events);
      if (c === 0x0d) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.#skipLeadingLf = true;
        }
      }
      start = i + 1;
    }
  }

  /** The line text[start, end). */
  #line(text: string, start: number, end: number, events: string[]): void {
    if (start === end) {
      if (this.#data !== undefined) {
        events.push(this.#data);
        this.#data = undefined;
      }
      return;
    }
    const first = text.charCodeAt(start);
    if (first === 0x3a) return; // ':' comment (keep-alive)
    let value: string;
    // `data: ...`, the line that matters, recognised without slicing out its field name.
    if (first === 0x64 && end - start >= 5 && text.startsWith('data:', start)) {
      value = text.slice(text.charCodeAt(start + 5) === 0x20 ? start + 6 : start + 5, end);
    } else {
      const colon = text.indexOf(':', start);
      const field = colon === -1 || colon >= end ? text.slice(start, end) : text.slice(start, colon);
      if (field !== 'data') return;
      value = '';
    }
    this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
  }
}

export class SseLineTooLongError extends Error {
  constructor() {
    super('SSE line exceeds the size limit');
    this.name = 'SseLineTooLongError';
  }
}
