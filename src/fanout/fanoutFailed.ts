import { GatewayError } from '../errors/gatewayError.js';
import { MINER_FAILURES } from '../transport/minerError.js';
import type { MinerFailure } from './types.js';

export type FanoutEnd = 'exhausted' | 'fatal' | 'deadline' | 'cancelled' | 'no_miners';

/** Every miner asked failed (or none could be asked); carries each miner's error. */
export class FanoutFailedError extends Error {
  readonly failures: MinerFailure[];
  readonly asked: number;
  readonly end: FanoutEnd;

  constructor(failures: MinerFailure[], asked: number, end: FanoutEnd) {
    super(`fan-out ended (${end}) after ${asked} miner(s)`);
    this.name = 'FanoutFailedError';
    this.failures = failures;
    this.asked = asked;
    this.end = end;
  }

  /** The one clean error the client gets; the miners' own texts stay in the logs. */
  toGatewayError(): GatewayError {
    const codes = this.failures.map((f) => f.error.code);
    const fatal = this.failures.find((f) => f.error.fatal);
    if (this.end === 'cancelled') return new GatewayError('service_unavailable', 'The request was cancelled.');
    if (fatal !== undefined && fatal.error.code === 'context_length_exceeded') {
      return new GatewayError('context_length_exceeded', "The request's messages exceed the model's maximum context length.", { param: 'messages' });
    }
    if (fatal !== undefined) {
      return new GatewayError('miner_rejected_request', 'The miner rejected the request as malformed; it was not resent to other miners.');
    }
    if (this.end === 'no_miners' && this.failures.length === 0) {
      return new GatewayError('no_eligible_miners', 'No eligible miner is available for this model right now.', { retryAfterSeconds: 5 });
    }
    if (this.end === 'deadline' || (codes.length > 0 && codes.every((c) => MINER_FAILURES[c].gateway === 'miner_timeout'))) {
      return new GatewayError('miner_timeout', `No miner answered in time (${this.asked} asked).`);
    }
    if (codes.length > 0 && codes.every((c) => c === 'rate_limited')) {
      const waits = this.failures.map((f) => f.error.retryAfterSeconds).filter((s): s is number => s !== undefined);
      return new GatewayError('miners_overloaded', `Every miner asked is rate limiting (${this.asked} asked).`, {
        retryAfterSeconds: waits.length > 0 ? Math.max(1, Math.min(...waits)) : 1,
      });
    }
    if (codes.length > 0 && codes.every((c) => c === 'rejected_auth')) {
      return new GatewayError('miner_rejected_request', `Every miner asked refused this gateway's credentials (${this.asked} asked).`);
    }
    return new GatewayError('miner_error', `No miner returned a valid answer (${this.asked} asked).`);
  }
}
