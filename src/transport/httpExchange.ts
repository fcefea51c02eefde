import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { CallWatchdog } from './watchdog.js';
import { MinerError } from './minerError.js';
import type { Timeouts } from './timeouts.js';
import { isContextLengthError } from '../openai/minerOutput.js';

export interface ExchangeRequest {
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  signal: AbortSignal;
  timeouts: Timeouts;
  deadline: number;
  maxBytes: number;
  /** Streams start their idle timer at the first body byte; whole answers at the headers. */
  streaming: boolean;
}

/** An accepted (2xx) miner response whose body is read through the call's timers and size cap. */
export interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly startedAt: number;
  /** ms from start to the response headers. */
  readonly headersMs: number;
  /** Body bytes; throws MinerError on timeout, reset or when the size cap is passed. */
  chunks(): AsyncGenerator<Buffer>;
  readAll(): Promise<Buffer>;
  /** The call's timers; `firstByte()` must be called when the answer's first byte is seen. */
  readonly watchdog: CallWatchdog;
  close(): void;
}

const ERROR_BODY_LIMIT = 16 * 1024;

/**
 * Sends one HTTP request to a miner and returns once a 2xx status arrived. Non-2xx statuses
 * become MinerErrors here (one mapping for every protocol); the miner's own error text is
 * read only to recognise "context length exceeded" and is never passed on.
 */
export async function openExchange(req: ExchangeRequest): Promise<Exchange> {
  const startedAt = Date.now();
  const watchdog = new CallWatchdog(req.signal, req.timeouts, req.deadline, startedAt);
  let response: Dispatcher.ResponseData;
  try {
    response = await req.dispatcher.request({
      origin: req.origin,
      path: req.path,
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: watchdog.signal,
      // Our watchdog owns the timing; undici's own limits only back it up.
      headersTimeout: req.timeouts.totalMs + 1_000,
      bodyTimeout: req.timeouts.totalMs + 1_000,
    });
  } catch (error) {
    watchdog.dispose();
    throw mapRequestError(error, watchdog);
  }
  const headersMs = Date.now() - startedAt;
  if (!req.streaming) watchdog.firstByte();
  const { statusCode, headers, body } = response;
  if (statusCode < 200 || statusCode >= 300) {
    const failure = await statusFailure(statusCode, headers, body);
    watchdog.dispose();
    throw failure;
  }

  let received = 0;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    watchdog.dispose();
    if (!body.destroyed) body.destroy();
  };
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > req.maxBytes) throw new MinerError('too_large', `answer over ${req.maxBytes} bytes`);
        watchdog.activity();
        yield chunk;
      }
    } catch (error) {
      throw mapRequestError(error, watchdog);
    } finally {
      close();
    }
  }
  return {
    status: statusCode,
    headers,
    startedAt,
    headersMs,
    watchdog,
    chunks,
    close,
    async readAll(): Promise<Buffer> {
      const parts: Buffer[] = [];
      for await (const chunk of chunks()) parts.push(chunk);
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    },
  };
}

async function statusFailure(status: number, headers: IncomingHttpHeaders, body: Dispatcher.ResponseData['body']): Promise<MinerError> {
  const text = await readLimited(body, ERROR_BODY_LIMIT).catch(() => '');
  if (status === 429) {
    const retryAfter = parseRetryAfter(headers['retry-after']);
    return new MinerError('rate_limited', 'miner answered 429', { status, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) });
  }
  if ((status === 400 || status === 413 || status === 422) && isContextLengthError(text)) {
    return new MinerError('context_length_exceeded', `miner answered ${status}: context length`, { status });
  }
  if (status === 400 || status === 409 || status === 422) return new MinerError('rejected_malformed', `miner answered ${status}`, { status });
  if (status === 401 || status === 403) return new MinerError('rejected_auth', `miner answered ${status}`, { status });
  if (status === 408 || status === 504) return new MinerError('first_byte_timeout', `miner answered ${status}`, { status });
  return new MinerError('http_error', `miner answered ${status}`, { status });
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  body.destroy();
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}

/** Retry-After as seconds (delta-seconds or an HTTP date); undefined when absent or nonsense. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.min(3600, Math.ceil(Number(text)));
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.min(3600, Math.max(0, Math.ceil((date - now) / 1000)));
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Maps an undici / socket error to the one MinerError it means. */
export function mapRequestError(error: unknown, watchdog: CallWatchdog): MinerError {
  if (watchdog.failure !== undefined) return watchdog.failure;
  if (error instanceof MinerError) return error;
  const code = errorCode(error);
  const detail = `${code ?? 'error'}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
  if (code === 'ERR_ADDRESS_BLOCKED') return new MinerError('blocked_address', detail, { cause: error });
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new MinerError('connect_timeout', detail, { cause: error });
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new MinerError('first_byte_timeout', detail, { cause: error });
  if (code === 'UND_ERR_BODY_TIMEOUT') return new MinerError('idle_timeout', detail, { cause: error });
  if (code !== undefined && CONNECT_CODES.has(code)) return new MinerError('connect_error', detail, { cause: error });
  if (code !== undefined && RESET_CODES.has(code)) return new MinerError('reset', detail, { cause: error });
  if (code !== undefined && (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_INFO')) {
    return new MinerError('bad_response', detail, { cause: error });
  }
  return new MinerError('reset', detail, { cause: error });
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
