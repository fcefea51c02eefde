import { mnemonicToMiniSecret, sr25519PairFromSeed } from '@polkadot/util-crypto';
import * as scure from '@scure/sr25519';
import { beforeAll, describe, expect, it } from 'vitest';
import { hotkeyFromMnemonic, hotkeyFromSeed, type Hotkey, type Signer } from '../src/identity/index.js';
import { axonBodyHash, buildAxonHeaders, verifyAxon, type VerifyAxonInput } from '../src/protocols/axon.js';
import { MINER_ADDRESS, STRANGER_ADDRESS, STRANGER_SEED, VECTOR_ADDRESS, VECTOR_MNEMONIC } from './support/testKeys.js';

const NOW_NS = 1_764_000_000_000_000_000n;
const SECOND = 1_000_000_000n;
const UUID = 'b6c1d1a2-3e4f-11ef-9a1b-0242ac120002';
const HASH_FIELDS = ['messages'];
const synapse = { roles: ['user'], messages: ['Hello'], completion: '' };
let gateway: Hotkey;
let stranger: Hotkey;

beforeAll(async () => {
  gateway = await hotkeyFromMnemonic(VECTOR_MNEMONIC);
  stranger = await hotkeyFromSeed(STRANGER_SEED);
});

function headersFor(options: { nonce?: bigint; signer?: Signer; axonHotkey?: string; timeoutSec?: number } = {}) {
  const signer = options.signer ?? gateway;
  return buildAxonHeaders({
    synapseName: 'StreamPromptingSynapse',
    timeoutSec: options.timeoutSec ?? 12,
    axon: { ip: '203.0.113.7', port: 8091, hotkey: options.axonHotkey ?? MINER_ADDRESS },
    dendrite: { ip: '198.51.100.2', hotkey: signer.address, uuid: UUID },
    nonce: options.nonce ?? NOW_NS - SECOND,
    bodyHash: axonBodyHash(synapse, HASH_FIELDS),
    signer,
    requiredFields: { roles: synapse.roles, messages: synapse.messages },
  });
}

function verify(headers: Record<string, string>, extra: Partial<VerifyAxonInput> = {}) {
  return verifyAxon({
    headers,
    body: synapse,
    ownHotkey: MINER_ADDRESS,
    requiredHashFields: HASH_FIELDS,
    nowNs: NOW_NS,
    isAllowedSigner: (ss58) => ss58 === VECTOR_ADDRESS || ss58 === STRANGER_ADDRESS,
    lastNonceStore: new Map(),
    ...extra,
  });
}

describe('verifyAxon accepts', () => {
  it('a request signed by an allowed dendrite', () => {
    expect(verify(headersFor())).toEqual({ ok: true, signer: VECTOR_ADDRESS, nonce: NOW_NS - SECOND });
  });

  it('signatures made by @scure/sr25519 (the other implementation)', () => {
    const pair = sr25519PairFromSeed(mnemonicToMiniSecret(VECTOR_MNEMONIC));
    const scureSigner: Signer = { address: VECTOR_ADDRESS, sign: (message) => scure.sign(pair.secretKey, message) };
    expect(verify(headersFor({ signer: scureSigner })).ok).toBe(true);
  });

  it('a nonce one ns inside now - 4 s - timeout, using the timeout header by default', () => {
    const edge = NOW_NS - 16n * SECOND + 1n;
    expect(verify(headersFor({ nonce: edge })).ok).toBe(true);
    expect(verify(headersFor({ nonce: NOW_NS - 30n * SECOND, timeoutSec: 60 })).ok).toBe(true);
  });
});

describe('verifyAxon refuses', () => {
  it('a signer that is not allowed with 403 (blacklist runs first)', () => {
    const headers = { ...headersFor(), bt_header_dendrite_signature: 'garbage' };
    expect(verify(headers, { isAllowedSigner: () => false })).toEqual({
      ok: false,
      status: 403,
      message: 'Forbidden. Key is blacklisted: unknown hotkey',
    });
  });

  it('a nonce at or before now - 4 s - timeout with 401', () => {
    expect(verify(headersFor({ nonce: NOW_NS - 16n * SECOND }))).toEqual({
      ok: false,
      status: 401,
      message: 'Not Verified with error: Nonce is too old',
    });
    // An explicit timeoutSec overrides the header.
    expect(verify(headersFor({ nonce: NOW_NS - 30n * SECOND, timeoutSec: 60 }), { timeoutSec: 12 })).toMatchObject({
      status: 401,
    });
  });

  it('a nonce not above the last accepted one for this hotkey and uuid with 401', () => {
    const lastNonceStore = new Map<string, bigint>();
    expect(verify(headersFor({ nonce: NOW_NS - 2n * SECOND }), { lastNonceStore }).ok).toBe(true);
    expect(lastNonceStore.get(`${VECTOR_ADDRESS}:${UUID}`)).toBe(NOW_NS - 2n * SECOND);
    for (const nonce of [NOW_NS - 2n * SECOND, NOW_NS - 3n * SECOND]) {
      expect(verify(headersFor({ nonce }), { lastNonceStore })).toEqual({
        ok: false,
        status: 401,
        message: 'Not Verified with error: Nonce is too old, a newer one was last processed',
      });
    }
    expect(verify(headersFor({ nonce: NOW_NS - 2n * SECOND + 1n }), { lastNonceStore }).ok).toBe(true);
  });

  it('a garbage or forged signature with 401', () => {
    const mismatch = { ok: false, status: 401, message: 'Not Verified with error: Signature mismatch' };
    expect(verify({ ...headersFor(), bt_header_dendrite_signature: '0xnothex' })).toEqual(mismatch);
    expect(verify({ ...headersFor(), bt_header_dendrite_signature: `0x${'00'.repeat(64)}` })).toEqual(mismatch);
    const forged = { ...headersFor({ signer: stranger }), bt_header_dendrite_hotkey: VECTOR_ADDRESS };
    expect(verify(forged)).toEqual(mismatch);
  });

  it('a request signed for another axon with 401 (the signature covers our own hotkey)', () => {
    expect(verify(headersFor({ axonHotkey: VECTOR_ADDRESS }))).toMatchObject({ ok: false, status: 401 });
  });

  it('a body that does not match computed_body_hash with 500, after spending the nonce', () => {
    const lastNonceStore = new Map<string, bigint>();
    const headers = headersFor();
    expect(verify(headers, { lastNonceStore, body: { ...synapse, messages: ['Hello!'] } })).toEqual({
      ok: false,
      status: 500,
      message: 'Internal Server Error: body hash mismatch',
    });
    expect(verify(headers, { lastNonceStore })).toMatchObject({ ok: false, status: 401 });
  });

  it('a body missing a hashed field with 500', () => {
    expect(verify(headersFor(), { body: { roles: ['user'] } })).toEqual({
      ok: false,
      status: 500,
      message: 'Internal Server Error: could not hash the synapse body',
    });
  });

  it('unparseable nonce or timeout headers with 400, missing parts with 403/401', () => {
    expect(verify({ ...headersFor(), bt_header_dendrite_nonce: '12.5' })).toMatchObject({ ok: false, status: 400 });
    expect(verify({ ...headersFor(), timeout: 'soon' })).toMatchObject({ ok: false, status: 400 });
    expect(verify({ ...headersFor({ nonce: 1n }), timeout: '1e300' })).toMatchObject({ ok: false, status: 401 });
    const without = (name: string) => Object.fromEntries(Object.entries(headersFor()).filter(([key]) => key !== name));
    expect(verify(without('bt_header_dendrite_hotkey'))).toMatchObject({ ok: false, status: 403 });
    expect(verify(without('bt_header_dendrite_nonce'))).toEqual({
      ok: false,
      status: 401,
      message: 'Not Verified with error: Missing Nonce',
    });
    expect(verify(without('bt_header_dendrite_signature'))).toMatchObject({ ok: false, status: 401 });
    expect(verify(without('computed_body_hash'))).toMatchObject({ ok: false, status: 401 });
  });
});
