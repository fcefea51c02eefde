import type { IncomingHttpHeaders } from 'node:http';
import { isContextLengthError } from '../openai/minerOutput.js';
import { MinerError } from './minerError.js';
import type { CallWatchdog } from './watchdog.js';

/**
 * One mapping, for every protocol, from what went wrong on the wire to a MinerError. The
 * miner's own error text is read only to recognise "context length exceeded".
 */
export function statusFailure(status: number, headers: IncomingHttpHeaders, text: string): MinerError {
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
