import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Cancellation } from '../lifecycle/cancellation.js';
import { CallWatchdog } from './watchdog.js';
import { afterIo } from '../lifecycle/ioBatch.js';
import { MinerError, asMinerError } from './minerError.js';
import { mapRequestError, statusFailure } from './failureMapping.js';
import type { Timeouts } from './timeouts.js';

export interface ExchangeRequest {
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  cancellation: Cancellation;
  timeouts: Timeouts;
  deadline: number;
  maxBytes: number;
  /** Streams start their idle timer at the first body byte; whole answers at the headers. */
  streaming: boolean;
}

/** An accepted (2xx) miner response whose body arrives through the call's timers and size cap. */
export interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly startedAt: number;
  /** ms from start to the response headers. */
  readonly headersMs: number;
  /** The call's timers; `firstByte()` must be called when the answer's first byte is seen. */
  readonly watchdog: CallWatchdog;
  /**
   * Delivers the body, one call per network chunk, and resolves when it ended normally.
   * If `onChunk` throws, the call is aborted and the promise rejects with that error.
   */
  consume(onChunk: (chunk: Buffer) => void): Promise<void>;
  readAll(): Promise<Buffer>;
  /** Flow control for a slow reader. */
  pause(): void;
  resume(): void;
  /** Stops the call (idempotent); a body still arriving is discarded. */
  close(): void;
}

const ERROR_BODY_LIMIT = 16 * 1024;

/** A whole 2xx answer: its body read to the end, within the call's timers and size cap. */
export interface WholeExchange {
  readonly startedAt: number;
  /** ms from start to the response headers. */
  readonly headersMs: number;
  readonly body: Buffer;
}

/**
 * Sends one HTTP request to a miner and resolves once a 2xx status arrived. Non-2xx
 * statuses become MinerErrors here (one mapping for every protocol). Built on undici's
 * dispatch API: no stream objects or AbortSignals per call, which the hot path cannot afford.
 */
export function openExchange(req: ExchangeRequest): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    new ExchangeHandler(req, resolve, reject, undefined).start();
  });
}

/**
 * The same call for an answer wanted whole: resolves once the body has ended. One promise per
 * call, and no Exchange object, for the commonest call there is (a non-streamed answer).
 */
export function fetchWhole(req: ExchangeRequest): Promise<WholeExchange> {
  return new Promise<WholeExchange>((resolve, reject) => {
    new ExchangeHandler(req, undefined, reject, resolve).start();
  });
}

type Phase = 'waiting' | 'error-body' | 'body' | 'done';

class ExchangeHandler implements Dispatcher.DispatchHandler {
  readonly #req: ExchangeRequest;
  readonly #resolveOpen: ((exchange: Exchange) => void) | undefined;
  readonly #rejectOpen: (error: MinerError) => void;
  /** Set for fetchWhole: the body is gathered here and handed over at its end. */
  readonly #resolveWhole: ((whole: WholeExchange) => void) | undefined;
  #headersMs = 0;
  readonly #startedAt = Date.now();
  readonly #watchdog: CallWatchdog;
  readonly #offCancel: () => void;
  #controller: Dispatcher.DispatchController | undefined;
  #phase: Phase = 'waiting';
  #failure: MinerError | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #errorBody: Buffer[] = [];
  #errorBytes = 0;
  #received = 0;
  #buffered: Buffer[] = [];
  #ended = false;
  #consumer: { onChunk: (chunk: Buffer) => void; resolve: () => void; reject: (error: MinerError) => void } | undefined;

  constructor(req: ExchangeRequest, resolve: ((exchange: Exchange) => void) | undefined, reject: (error: MinerError) => void, resolveWhole: ((whole: WholeExchange) => void) | undefined) {
    this.#req = req;
    this.#resolveOpen = resolve;
    this.#rejectOpen = reject;
    this.#resolveWhole = resolveWhole;
    this.#watchdog = new CallWatchdog(req.timeouts, req.deadline, this.#startedAt, (failure) => this.abort(failure));
    this.#offCancel = req.cancellation.onCancel(() => this.abort(new MinerError('cancelled', 'cancelled by caller')));
  }

  /** Sends the request once this turn's input is handled, with the turn's other writes (see ioBatch.ts). */
  start(): void {
    afterIo(() => this.#send());
  }

  #send(): void {
    if (this.#failure !== undefined) return this.#fail(this.#failure);
    const req = this.#req;
    req.dispatcher.dispatch({
      origin: req.origin, path: req.path, method: 'POST', headers: req.headers, body: req.body,
      // The watchdog owns the timing; undici's own limits only back it up.
      headersTimeout: req.timeouts.totalMs + 1_000,
      bodyTimeout: req.timeouts.totalMs + 1_000,
    }, this);
  }

  /** Ends the call with this failure (timeout, cancellation, size cap, bad bytes). */
  abort(failure: MinerError): void {
    if (this.#phase === 'done') return;
    this.#failure ??= failure;
    if (this.#controller !== undefined && !this.#controller.aborted) this.#controller.abort(failure);
    else if (this.#controller === undefined) this.#fail(failure);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#failure !== undefined) controller.abort(this.#failure);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.#status = status;
    if (status < 200 || status >= 300) {
      this.#phase = 'error-body';
      this.#headers = headers;
      return;
    }
    this.#phase = 'body';
    this.#headersMs = Date.now() - this.#startedAt;
    if (!this.#req.streaming) this.#watchdog.firstByte();
    if (this.#resolveWhole === undefined) this.#resolveOpen!(this.#exchange(status, headers, this.#headersMs));
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#phase === 'error-body') {
      if (this.#errorBytes < ERROR_BODY_LIMIT) {
        this.#errorBody.push(chunk);
        this.#errorBytes += chunk.length;
      }
      return;
    }
    if (this.#phase !== 'body') return;
    this.#received += chunk.length;
    if (this.#received > this.#req.maxBytes) {
      this.abort(new MinerError('too_large', `answer over ${this.#req.maxBytes} bytes`));
      return;
    }
    this.#watchdog.activity();
    const consumer = this.#consumer;
    if (consumer === undefined) {
      // Before anyone consumes the body (or, for fetchWhole, until it ends): keep it.
      this.#buffered.push(chunk);
      return;
    }
    try {
      consumer.onChunk(chunk);
    } catch (error) {
      this.abort(asMinerError(error));
    }
  }

  onResponseEnd(): void {
    if (this.#phase === 'error-body') {
      const text = Buffer.concat(this.#errorBody).subarray(0, ERROR_BODY_LIMIT).toString('utf8');
      return this.#fail(statusFailure(this.#status, this.#headers, text));
    }
    this.#finish();
    this.#ended = true;
    if (this.#resolveWhole !== undefined) {
      const parts = this.#buffered;
      this.#buffered = [];
      this.#resolveWhole({ startedAt: this.#startedAt, headersMs: this.#headersMs, body: parts.length === 1 ? parts[0]! : Buffer.concat(parts) });
      return;
    }
    this.#consumer?.resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#fail(this.#failure ?? mapRequestError(error, this.#watchdog));
  }

  #fail(failure: MinerError): void {
    const wasOpen = this.#phase === 'body' && this.#resolveWhole === undefined;
    if (this.#phase === 'done') return;
    this.#failure = failure;
    this.#finish();
    if (!wasOpen) this.#rejectOpen(failure);
    else this.#consumer?.reject(failure);
  }

  #finish(): void {
    this.#phase = 'done';
    this.#watchdog.dispose();
    this.#offCancel();
  }

  #consume(onChunk: (chunk: Buffer) => void): Promise<void> {
    if (this.#consumer !== undefined) throw new Error('exchange body consumed twice');
    return new Promise<void>((resolve, reject) => {
      this.#consumer = { onChunk, resolve, reject };
      const buffered = this.#buffered;
      this.#buffered = [];
      try {
        for (const chunk of buffered) onChunk(chunk);
      } catch (error) {
        // The body may already have ended: reject with this error, not whatever came before.
        const failure = asMinerError(error);
        this.#consumer = undefined;
        this.abort(failure);
        reject(failure);
        return;
      }
      if (this.#ended) resolve();
      else if (this.#phase === 'done' && this.#failure !== undefined) reject(this.#failure);
    });
  }

  #exchange(status: number, headers: IncomingHttpHeaders, headersMs: number): Exchange {
    const consume = (onChunk: (chunk: Buffer) => void): Promise<void> => this.#consume(onChunk);
    const close = (): void => this.abort(new MinerError('cancelled', 'closed by caller'));
    return {
      status, headers, headersMs,
      startedAt: this.#startedAt,
      watchdog: this.#watchdog,
      consume,
      close,
      pause: () => this.#controller?.pause(),
      resume: () => this.#controller?.resume(),
      async readAll() {
        const parts: Buffer[] = [];
        await consume((chunk) => parts.push(chunk));
        return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      },
    };
  }
}
