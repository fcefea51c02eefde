/**
 * Miner-side checks of a classic synapse request, in the order a bittensor axon runs them
 * (AxonMiddleware.dispatch, then verify_body_integrity in the route), for fake miners in tests.
 *
 * | stage     | failure                                                         | status |
 * |-----------|-----------------------------------------------------------------|--------|
 * | parse     | nonce or timeout header not a number (pydantic refuses)         | 400    |
 * | blacklist | signer hotkey missing or not allowed                            | 403    |
 * | verify    | nonce/uuid/signature missing; nonce <= now - 4 s - timeout;     | 401    |
 * |           | nonce <= last accepted for (hotkey, uuid); signature mismatch   |        |
 * | forward   | body hash != computed_body_hash header                          | 500    |
 *
 * The 500 for a body-hash mismatch is what real axons answer: the check raises inside the
 * route, and any exception there is an internal error. Deliberately stricter than the SDK: the
 * age window applies to every request, not only the first per (hotkey, uuid), and whatever the
 * announced dendrite version (the SDK skips it below 7.2.0).
 */
import { verifySignature } from '../identity/verify.js';
import { axonBodyHash } from './axonHash.js';
import { axonSignatureMessage } from './axonHeaders.js';
import { singleHeader, type IncomingHeaders } from './headers.js';

/** Allowed clock skew plus network delay for a nonce, as the SDK's ALLOWED_DELTA. */
export const AXON_ALLOWED_DELTA_NS = 4_000_000_000n;

/** Last accepted nonce per `${hotkey}:${uuid}`; a `Map<string, bigint>` will do. */
export interface NonceStore {
  get(key: string): bigint | undefined;
  set(key: string, nonce: bigint): unknown;
}

/** Inputs of `verifyAxon`. */
export interface VerifyAxonInput {
  headers: IncomingHeaders;
  /** The synapse JSON body, parsed. */
  body: Readonly<Record<string, unknown>>;
  /** The verifying axon's own ss58 hotkey (the signature covers it). */
  ownHotkey: string;
  requiredHashFields: readonly string[];
  /** Default: wall clock. */
  nowNs?: bigint;
  /** Default: the request's `timeout` header, else 12 s (the Synapse default). */
  timeoutSec?: number;
  /** Blacklist: whether this hotkey may call. */
  isAllowedSigner: (ss58: string) => boolean;
  lastNonceStore: NonceStore;
}

/** Outcome of `verifyAxon`; the caller renders `{"message": ...}`. */
export type AxonVerdict =
  | { ok: true; signer: string; nonce: bigint }
  | { ok: false; status: 400 | 401 | 403 | 500; message: string };

const INTEGER = /^\d{1,30}$/;

/** Miner-side verification of a classic synapse request. Never throws on malformed input. */
export function verifyAxon(input: VerifyAxonInput): AxonVerdict {
  const fail = (status: 400 | 401 | 403 | 500, message: string): AxonVerdict => ({ ok: false, status, message });
  const get = (name: string): string | undefined => singleHeader(input.headers, name);
  const hotkey = get('bt_header_dendrite_hotkey');
  const nonceText = get('bt_header_dendrite_nonce');
  const uuid = get('bt_header_dendrite_uuid');
  const signature = get('bt_header_dendrite_signature');
  const bodyHashHeader = get('computed_body_hash') ?? '';
  const timeoutText = get('timeout');

  if (nonceText !== undefined && !INTEGER.test(nonceText)) return fail(400, 'could not parse bt_header_dendrite_nonce');
  const headerTimeout = parseTimeout(timeoutText);
  if (headerTimeout === null) return fail(400, 'could not parse timeout header');

  if (hotkey === undefined || !input.isAllowedSigner(hotkey)) return fail(403, 'Forbidden. Key is blacklisted: unknown hotkey');

  if (nonceText === undefined) return fail(401, 'Not Verified with error: Missing Nonce');
  if (uuid === undefined || signature === undefined) return fail(401, 'Not Verified with error: missing uuid or signature');
  const nonce = BigInt(nonceText);
  const nowNs = input.nowNs ?? BigInt(Date.now()) * 1_000_000n;
  // Like the SDK, the window widens with the request's own timeout header, which the signature
  // does not cover: a replayer can stretch it. Pass timeoutSec to pin it. Clamped so a huge
  // value cannot overflow into Infinity.
  const timeoutSec = Math.min(input.timeoutSec ?? headerTimeout ?? 12, 1e9);
  const oldestAllowed = nowNs - AXON_ALLOWED_DELTA_NS - BigInt(Math.round(timeoutSec * 1e9));
  if (nonce <= oldestAllowed) return fail(401, 'Not Verified with error: Nonce is too old');
  const endpointKey = `${hotkey}:${uuid}`;
  const last = input.lastNonceStore.get(endpointKey);
  if (last !== undefined && nonce <= last) {
    return fail(401, 'Not Verified with error: Nonce is too old, a newer one was last processed');
  }
  const message = axonSignatureMessage(nonce, hotkey, input.ownHotkey, uuid, bodyHashHeader);
  if (!/^0x[0-9a-fA-F]{128}$/.test(signature)) return fail(401, 'Not Verified with error: Signature mismatch');
  const signatureBytes = Buffer.from(signature.slice(2), 'hex');
  if (!verifySignature(new TextEncoder().encode(message), signatureBytes, hotkey)) {
    return fail(401, 'Not Verified with error: Signature mismatch');
  }
  // Stored before the body check, as the SDK does: the nonce is spent once verified.
  input.lastNonceStore.set(endpointKey, nonce);

  let bodyHash: string;
  try {
    bodyHash = axonBodyHash(input.body, input.requiredHashFields);
  } catch {
    return fail(500, 'Internal Server Error: could not hash the synapse body');
  }
  if (bodyHash !== bodyHashHeader) return fail(500, 'Internal Server Error: body hash mismatch');
  return { ok: true, signer: hotkey, nonce };
}

/** The `timeout` header as seconds: undefined when absent, null when not a non-negative number. */
function parseTimeout(text: string | undefined): number | undefined | null {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  return text.trim() !== '' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}
