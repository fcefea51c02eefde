/**
 * Request headers of the classic dendrite protocol (PROTOCOLS.md §3), as
 * `Synapse.to_headers()` writes them after `Dendrite.preprocess_synapse_for_request`.
 * `header_size` and `total_size` are left out: they are Python object sizes, optional, and
 * unchecked by axons.
 */
import type { Signer } from '../identity/types.js';
import { PyFloat, pythonFloatRepr } from './pythonRepr.js';

/**
 * Version we announce: bittensor 10.2.0 as `major*1e6 + minor*1e3 + patch`, the SDK that
 * PROTOCOLS.md was read from. Anything >= 7002000 (7.2.0) gets the modern nonce rules.
 */
export const DEFAULT_DENDRITE_VERSION = 10_002_000;

/** Inputs of `buildAxonHeaders`. */
export interface BuildAxonHeadersInput {
  /** Synapse class name, also the URL path. */
  synapseName: string;
  timeoutSec: number;
  /** The target miner, as registered on chain. */
  axon: { ip: string; port: number; hotkey: string };
  /** Our side. `hotkey` must be `signer.address`; `uuid` is one per process. */
  dendrite: { ip: string; hotkey: string; uuid: string; version?: number };
  /** From `createNonceSource()`. */
  nonce: bigint;
  /** `axonBodyHash(synapse, requiredHashFields)`. */
  bodyHash: string;
  signer: Signer;
  /**
   * The synapse's required (pydantic, no default) fields with their values: each gets a
   * `bt_header_input_obj_<field>` holding an empty JSON value of the same type.
   */
  requiredFields?: Readonly<Record<string, unknown>>;
}

/** The string the dendrite signs: `${nonce}.${dendriteHotkey}.${axonHotkey}.${uuid}.${bodyHash}`. */
export function axonSignatureMessage(
  nonce: bigint,
  dendriteHotkey: string,
  axonHotkey: string,
  uuid: string,
  bodyHash: string,
): string {
  return `${nonce}.${dendriteHotkey}.${axonHotkey}.${uuid}.${bodyHash}`;
}

/**
 * `json.dumps(type(value)())`: the empty value of the value's Python type. The axon only needs
 * it to construct the synapse before reading the body, so the real value is never sent here.
 */
export function emptyJsonOfSameType(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'string') return '""';
  if (typeof value === 'boolean') return 'false';
  if (typeof value === 'bigint') return '0';
  if (value instanceof PyFloat) return '0.0';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? '0' : '0.0';
  if (typeof value === 'object' && value !== null) return '{}';
  throw new TypeError(`no JSON type for a required field holding ${value === null ? 'null' : typeof value}`);
}

/** Every request header of a classic synapse call, signed by `signer`. */
export function buildAxonHeaders(input: BuildAxonHeadersInput): Record<string, string> {
  const { axon, dendrite, signer, nonce, bodyHash } = input;
  if (dendrite.hotkey !== signer.address) throw new Error('dendrite.hotkey must be the signer\'s address');
  if (typeof nonce !== 'bigint' || nonce < 0n) throw new RangeError('nonce must be a non-negative bigint');
  if (!Number.isFinite(input.timeoutSec) || input.timeoutSec <= 0) throw new RangeError('timeoutSec must be positive');
  const version = dendrite.version ?? DEFAULT_DENDRITE_VERSION;
  const message = axonSignatureMessage(nonce, dendrite.hotkey, axon.hotkey, dendrite.uuid, bodyHash);
  const signature = Buffer.from(signer.sign(new TextEncoder().encode(message))).toString('hex');

  const headers: Record<string, string> = {
    name: input.synapseName,
    // Python sends str(float): 12 -> "12.0".
    timeout: pythonFloatRepr(input.timeoutSec),
    bt_header_axon_ip: axon.ip,
    bt_header_axon_port: String(axon.port),
    bt_header_axon_hotkey: axon.hotkey,
    bt_header_dendrite_ip: dendrite.ip,
    bt_header_dendrite_version: String(version),
    bt_header_dendrite_nonce: nonce.toString(),
    bt_header_dendrite_uuid: dendrite.uuid,
    bt_header_dendrite_hotkey: dendrite.hotkey,
    bt_header_dendrite_signature: `0x${signature}`,
  };
  for (const [field, value] of Object.entries(input.requiredFields ?? {})) {
    // Python skips fields whose value is None.
    if (value === null || value === undefined) continue;
    headers[`bt_header_input_obj_${field}`] = Buffer.from(emptyJsonOfSameType(value)).toString('base64');
  }
  headers.computed_body_hash = bodyHash;
  return headers;
}
