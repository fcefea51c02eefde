import { describe, expect, it } from 'vitest';
import type { Signer } from '../src/identity/index.js';
import {
  DEFAULT_DENDRITE_VERSION,
  axonBodyHash,
  buildAxonHeaders,
  createNonceSource,
  emptyJsonOfSameType,
  pyFloat,
} from '../src/protocols/axon.js';
import { recordingSigner } from './support/signing.js';
import { MINER_ADDRESS, VECTOR_ADDRESS } from './support/testKeys.js';

const UUID = 'b6c1d1a2-3e4f-11ef-9a1b-0242ac120002';
const synapse = { roles: ['user'], messages: ['Hello'], completion: '' };
const BODY_HASH = '7d572de8b8df200488c8c72bb6a1588ac7073e7c32d036d196ba7f7b2ada3e3f';

function build(signer: Signer, overrides: { version?: number; timeoutSec?: number } = {}) {
  return buildAxonHeaders({
    synapseName: 'StreamPromptingSynapse',
    timeoutSec: overrides.timeoutSec ?? 12,
    axon: { ip: '203.0.113.7', port: 8091, hotkey: MINER_ADDRESS },
    dendrite: { ip: '198.51.100.2', hotkey: VECTOR_ADDRESS, uuid: UUID, version: overrides.version },
    nonce: 1_764_000_000_000_000_001n,
    bodyHash: axonBodyHash(synapse, ['messages']),
    signer,
    requiredFields: { roles: synapse.roles, messages: synapse.messages },
  });
}

describe('buildAxonHeaders', () => {
  it('emits every dendrite header of a classic synapse call', () => {
    expect(build(recordingSigner(0xcd))).toEqual({
      name: 'StreamPromptingSynapse',
      timeout: '12.0',
      bt_header_axon_ip: '203.0.113.7',
      bt_header_axon_port: '8091',
      bt_header_axon_hotkey: MINER_ADDRESS,
      bt_header_dendrite_ip: '198.51.100.2',
      bt_header_dendrite_version: '10002000',
      bt_header_dendrite_nonce: '1764000000000000001',
      bt_header_dendrite_uuid: UUID,
      bt_header_dendrite_hotkey: VECTOR_ADDRESS,
      bt_header_dendrite_signature: `0x${'cd'.repeat(64)}`,
      bt_header_input_obj_roles: 'W10=',
      bt_header_input_obj_messages: 'W10=',
      computed_body_hash: BODY_HASH,
    });
  });

  it('signs nonce.dendriteHotkey.axonHotkey.uuid.bodyHash', () => {
    const signer = recordingSigner(0xcd);
    build(signer);
    expect(signer.signed).toEqual([`1764000000000000001.${VECTOR_ADDRESS}.${MINER_ADDRESS}.${UUID}.${BODY_HASH}`]);
  });

  it('announces bittensor 10.2.0 by default, at least the 7.2.0 nonce rules', () => {
    expect(DEFAULT_DENDRITE_VERSION).toBe(10_002_000);
    expect(DEFAULT_DENDRITE_VERSION).toBeGreaterThanOrEqual(7_002_000);
    expect(build(recordingSigner(0xcd), { version: 7_002_000 }).bt_header_dendrite_version).toBe('7002000');
  });

  it('prints the timeout as Python prints a float', () => {
    expect(build(recordingSigner(0xcd), { timeoutSec: 2.5 }).timeout).toBe('2.5');
    expect(build(recordingSigner(0xcd), { timeoutSec: 60 }).timeout).toBe('60.0');
  });

  it('refuses a dendrite hotkey that is not the signer', () => {
    const other: Signer = { address: MINER_ADDRESS, sign: () => new Uint8Array(64) };
    expect(() => build(other)).toThrow("dendrite.hotkey must be the signer's address");
  });
});

describe('input_obj headers', () => {
  it('hold json.dumps of an empty value of the same Python type', () => {
    expect(emptyJsonOfSameType(['x'])).toBe('[]');
    expect(emptyJsonOfSameType({ a: 1 })).toBe('{}');
    expect(emptyJsonOfSameType('text')).toBe('""');
    expect(emptyJsonOfSameType(7)).toBe('0');
    expect(emptyJsonOfSameType(0.5)).toBe('0.0');
    expect(emptyJsonOfSameType(pyFloat(1))).toBe('0.0');
    expect(emptyJsonOfSameType(true)).toBe('false');
  });

  it('are base64 encoded and skip None fields, as Python does', () => {
    const headers = buildAxonHeaders({
      synapseName: 'S',
      timeoutSec: 1,
      axon: { ip: '203.0.113.7', port: 1, hotkey: MINER_ADDRESS },
      dendrite: { ip: '0.0.0.0', hotkey: VECTOR_ADDRESS, uuid: UUID },
      nonce: 1n,
      bodyHash: BODY_HASH,
      signer: recordingSigner(0xcd),
      requiredFields: { a: [], b: 'x', c: { k: 1 }, d: 3, e: 0.25, f: false, g: null },
    });
    const inputObj = Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('bt_header_input_obj_')));
    expect(inputObj).toEqual({
      bt_header_input_obj_a: 'W10=',
      bt_header_input_obj_b: 'IiI=',
      bt_header_input_obj_c: 'e30=',
      bt_header_input_obj_d: 'MA==',
      bt_header_input_obj_e: 'MC4w',
      bt_header_input_obj_f: 'ZmFsc2U=',
    });
  });
});

describe('nonce source', () => {
  it('follows the clock when it moves forward', () => {
    let now = 1_000n;
    const next = createNonceSource(() => now);
    expect(next()).toBe(1_000n);
    now = 5_000n;
    expect(next()).toBe(5_000n);
  });

  it('stays strictly increasing within one clock tick and when the clock steps back', () => {
    let now = 1_000n;
    const next = createNonceSource(() => now);
    expect([next(), next(), next()]).toEqual([1_000n, 1_001n, 1_002n]);
    now = 10n;
    expect(next()).toBe(1_003n);
    now = 2_000n;
    expect(next()).toBe(2_000n);
  });

  it('defaults to the wall clock in nanoseconds, like time.time_ns()', () => {
    const next = createNonceSource();
    const before = BigInt(Date.now()) * 1_000_000n;
    const values = Array.from({ length: 1_000 }, next);
    const after = BigInt(Date.now()) * 1_000_000n + 1_000n;
    expect(values[0]).toBeGreaterThanOrEqual(before);
    expect(values.at(-1)).toBeLessThanOrEqual(after);
    for (let i = 1; i < values.length; i++) expect((values[i] ?? 0n) > (values[i - 1] ?? 0n)).toBe(true);
  });
});
