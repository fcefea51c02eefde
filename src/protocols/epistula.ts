/**
 * Epistula v2 (PROTOCOLS.md §2): the signed-request headers OpenAI-compatible miners (SN1,
 * Targon) expect, and the miner-side check, used by fake miners in tests and by anything that
 * must accept Epistula requests.
 */
import { createHash, randomUUID } from 'node:crypto';
import { isValidAddress, verifySignature } from '../identity/verify.js';
import type { Signer } from '../identity/types.js';
import { singleHeader, type IncomingHeaders } from './headers.js';
import type { ReplayCache } from './replayCache.js';

export type { IncomingHeaders } from './headers.js';

/** How old (or how far in the future) a timestamp may be; SN1 miners use 8 s. */
export const EPISTULA_MAX_AGE_MS = 8_000;

/** Inputs of `signEpistula`. Time and uuid are injectable so tests are exact. */
export interface SignEpistulaInput {
  /** The exact bytes that will be sent: the signature covers their SHA-256. */
  body: Uint8Array;
  signer: Signer;
  /** The miner's ss58 hotkey, or null to sign for nobody (the header is then omitted, as SN1 does). */
  signedFor: string | null;
  /** Unix time in ms. Default `Date.now()`. */
  nowMs?: number;
  /** Default `crypto.randomUUID()` (a uuid4). */
  uuid?: string;
}

/** The string that gets signed: `${sha256_hex(body)}.${uuid}.${timestamp}.${signedFor}`. */
export function epistulaMessage(body: Uint8Array, uuid: string, timestampMs: number, signedFor: string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${bodyHash}.${uuid}.${timestampMs}.${signedFor}`;
}

/** Builds the Epistula v2 request headers for `body`. */
export function signEpistula(input: SignEpistulaInput): Record<string, string> {
  const timestamp = input.nowMs ?? Date.now();
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('nowMs must be a non-negative integer');
  const uuid = input.uuid ?? randomUUID();
  const message = epistulaMessage(input.body, uuid, timestamp, input.signedFor ?? '');
  const signature = input.signer.sign(new TextEncoder().encode(message));
  const headers: Record<string, string> = {
    'Epistula-Version': '2',
    'Epistula-Timestamp': String(timestamp),
    'Epistula-Uuid': uuid,
    'Epistula-Signed-By': input.signer.address,
  };
  if (input.signedFor !== null) headers['Epistula-Signed-For'] = input.signedFor;
  headers['Epistula-Request-Signature'] = `0x${Buffer.from(signature).toString('hex')}`;
  return headers;
}

/** Inputs of `verifyEpistula`. */
export interface VerifyEpistulaInput {
  headers: IncomingHeaders;
  /** The raw request body bytes, exactly as received. */
  body: Uint8Array;
  /** The verifying miner's own ss58 hotkey. */
  ownHotkey: string;
  /** Default `Date.now()`. */
  nowMs?: number;
  /** Default 8000. */
  maxAgeMs?: number;
  /** Whether this signer may call (e.g. is in the metagraph, with enough stake). */
  isAllowedSigner: (ss58: string) => boolean;
  /** Optional replay protection; reference miners keep none. */
  replayCache?: ReplayCache | null;
}

/** Outcome of `verifyEpistula`; the error body shape is the caller's business. */
export type EpistulaVerdict =
  | { ok: true; signer: string }
  | { ok: false; status: 400 | 401 | 409; message: string };

/*
 * Checks, in this order (the first failure wins):
 *
 * | check                                              | status |
 * |----------------------------------------------------|--------|
 * | a header missing, repeated or malformed            | 400    |
 * | Epistula-Version is not "2"                        | 400    |
 * | Epistula-Signed-For is not our own hotkey          | 400    |
 * | timestamp older than maxAgeMs, or further ahead    | 400    |
 * | signature does not verify                          | 400    |
 * | signer not allowed (not in metagraph, low stake)   | 401    |
 * | (signer, uuid) already accepted within the window  | 409    |
 *
 * 400/401 follow the reference miners. No reference miner keeps a replay cache, so the replay
 * status is ours: 409 Conflict says "this exact request was already processed", which a client
 * must not retry as is, unlike 401 (fix credentials) or 429 (wait). The replay check comes last
 * so that only authenticated requests from allowed signers occupy the cache.
 */

const UUID_LIKE = /^[0-9A-Za-z_-]{1,128}$/;
const TIMESTAMP = /^\d{1,15}$/;
const SIGNATURE_HEX = /^0x[0-9a-fA-F]{128}$/;

/** Miner-side verification of an Epistula v2 request. Never throws on malformed input. */
export function verifyEpistula(input: VerifyEpistulaInput): EpistulaVerdict {
  const nowMs = input.nowMs ?? Date.now();
  const maxAgeMs = input.maxAgeMs ?? EPISTULA_MAX_AGE_MS;
  const fail = (status: 400 | 401 | 409, message: string): EpistulaVerdict => ({ ok: false, status, message });

  const get = (name: string): string | undefined => singleHeader(input.headers, name);
  const version = get('epistula-version');
  const timestamp = get('epistula-timestamp');
  const uuid = get('epistula-uuid');
  const signedBy = get('epistula-signed-by');
  const signedFor = get('epistula-signed-for');
  const signature = get('epistula-request-signature');

  if (version === undefined) return fail(400, 'missing Epistula-Version header');
  if (timestamp === undefined || !TIMESTAMP.test(timestamp)) return fail(400, 'missing or malformed Epistula-Timestamp header');
  if (uuid === undefined || !UUID_LIKE.test(uuid)) return fail(400, 'missing or malformed Epistula-Uuid header');
  if (signedBy === undefined || !isValidAddress(signedBy)) return fail(400, 'missing or malformed Epistula-Signed-By header');
  if (signedFor === undefined) return fail(400, 'missing Epistula-Signed-For header');
  if (signature === undefined || !SIGNATURE_HEX.test(signature)) {
    return fail(400, 'missing or malformed Epistula-Request-Signature header (expected 0x + 128 hex)');
  }
  if (!(input.body instanceof Uint8Array)) return fail(400, 'request body missing');

  if (version !== '2') return fail(400, 'unsupported Epistula-Version (expected 2)');
  if (signedFor !== input.ownHotkey) return fail(400, 'Epistula-Signed-For is not this hotkey');

  const timestampMs = Number(timestamp);
  if (nowMs - timestampMs > maxAgeMs) return fail(400, `stale request: timestamp older than ${maxAgeMs} ms`);
  if (timestampMs - nowMs > maxAgeMs) return fail(400, `stale request: timestamp more than ${maxAgeMs} ms in the future`);

  // Rebuild the message from the parsed number, as Python's int() would (drops leading zeros).
  const message = epistulaMessage(input.body, uuid, timestampMs, signedFor);
  const signatureBytes = Buffer.from(signature.slice(2), 'hex');
  if (!verifySignature(new TextEncoder().encode(message), signatureBytes, signedBy)) {
    return fail(400, 'signature mismatch');
  }
  if (!input.isAllowedSigner(signedBy)) return fail(401, 'signer is not allowed');

  // Keyed by signer too: an allowed peer that sees another validator's uuid in flight cannot
  // burn it first. Remembered until the timestamp itself would be refused.
  if (input.replayCache && !input.replayCache.checkAndRemember(`${signedBy}:${uuid}`, timestampMs + maxAgeMs + 1, nowMs)) {
    return fail(409, 'replayed request: this Epistula-Uuid was already accepted');
  }
  return { ok: true, signer: signedBy };
}
