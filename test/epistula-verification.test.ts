import { mnemonicToMiniSecret, sr25519PairFromSeed } from '@polkadot/util-crypto';
import * as scure from '@scure/sr25519';
import { beforeAll, describe, expect, it } from 'vitest';
import { hotkeyFromMnemonic, hotkeyFromSeed, type Hotkey, type Signer } from '../src/identity/index.js';
import { signEpistula, verifyEpistula, type VerifyEpistulaInput } from '../src/protocols/epistula.js';
import { ReplayCache } from '../src/protocols/replayCache.js';
import { MINER_ADDRESS, STRANGER_SEED, VECTOR_ADDRESS, VECTOR_MNEMONIC } from './support/testKeys.js';

const NOW = 1_764_000_000_000;
const body = new TextEncoder().encode('{"model":"m","messages":[{"role":"user","content":"hi"}]}');
let gateway: Hotkey;
let stranger: Hotkey;

beforeAll(async () => {
  gateway = await hotkeyFromMnemonic(VECTOR_MNEMONIC);
  stranger = await hotkeyFromSeed(STRANGER_SEED);
});

/** Headers as a server sees them: lower-case names. */
function received(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function signed(overrides: { signer?: Signer; signedFor?: string | null; nowMs?: number; uuid?: string } = {}) {
  return received(
    signEpistula({
      body,
      signer: overrides.signer ?? gateway,
      signedFor: overrides.signedFor === undefined ? MINER_ADDRESS : overrides.signedFor,
      nowMs: overrides.nowMs ?? NOW,
      uuid: overrides.uuid ?? '0d7e4bb7-5c8a-4b1e-9d0a-6d2f1f0e8c11',
    }),
  );
}

function verify(headers: Record<string, string>, extra: Partial<VerifyEpistulaInput> = {}) {
  return verifyEpistula({
    headers,
    body,
    ownHotkey: MINER_ADDRESS,
    nowMs: NOW,
    isAllowedSigner: (ss58) => ss58 === VECTOR_ADDRESS,
    ...extra,
  });
}

describe('verifyEpistula accepts', () => {
  it('a request signed by an allowed hotkey for this miner', () => {
    expect(verify(signed())).toEqual({ ok: true, signer: VECTOR_ADDRESS });
  });

  it('timestamps exactly at the edge of the window, both ways', () => {
    expect(verify(signed({ nowMs: NOW - 8_000 }))).toEqual({ ok: true, signer: VECTOR_ADDRESS });
    expect(verify(signed({ nowMs: NOW + 8_000 }))).toEqual({ ok: true, signer: VECTOR_ADDRESS });
  });

  it('signatures made by @scure/sr25519 (the other implementation)', () => {
    const pair = sr25519PairFromSeed(mnemonicToMiniSecret(VECTOR_MNEMONIC));
    const scureSigner: Signer = { address: VECTOR_ADDRESS, sign: (message) => scure.sign(pair.secretKey, message) };
    expect(verify(signed({ signer: scureSigner }))).toEqual({ ok: true, signer: VECTOR_ADDRESS });
  });
});

describe('verifyEpistula refuses', () => {
  it('a tampered body with 400', () => {
    const tampered = new TextEncoder().encode('{"model":"m","messages":[{"role":"user","content":"HI"}]}');
    expect(verify(signed(), { body: tampered })).toEqual({ ok: false, status: 400, message: 'signature mismatch' });
  });

  it('a request signed for another hotkey with 400', () => {
    expect(verify(signed({ signedFor: VECTOR_ADDRESS }))).toEqual({
      ok: false,
      status: 400,
      message: 'Epistula-Signed-For is not this hotkey',
    });
  });

  it('a request signed for nobody (no Signed-For header) with 400', () => {
    expect(verify(signed({ signedFor: null }))).toEqual({ ok: false, status: 400, message: 'missing Epistula-Signed-For header' });
  });

  it('a stale timestamp with 400', () => {
    expect(verify(signed({ nowMs: NOW - 8_001 }))).toEqual({
      ok: false,
      status: 400,
      message: 'stale request: timestamp older than 8000 ms',
    });
  });

  it('a timestamp too far in the future with 400', () => {
    expect(verify(signed({ nowMs: NOW + 8_001 }))).toEqual({
      ok: false,
      status: 400,
      message: 'stale request: timestamp more than 8000 ms in the future',
    });
  });

  it('honours a custom window', () => {
    expect(verify(signed({ nowMs: NOW - 10_000 }), { maxAgeMs: 15_000 }).ok).toBe(true);
    expect(verify(signed({ nowMs: NOW - 2_000 }), { maxAgeMs: 1_000 })).toMatchObject({ ok: false, status: 400 });
  });

  it('a bad version with 400', () => {
    expect(verify({ ...signed(), 'epistula-version': '1' })).toEqual({
      ok: false,
      status: 400,
      message: 'unsupported Epistula-Version (expected 2)',
    });
  });

  it('a garbage or forged signature with 400', () => {
    expect(verify({ ...signed(), 'epistula-request-signature': 'garbage' })).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringMatching(/^missing or malformed Epistula-Request-Signature/),
    });
    expect(verify({ ...signed(), 'epistula-request-signature': `0x${'00'.repeat(64)}` })).toEqual({
      ok: false,
      status: 400,
      message: 'signature mismatch',
    });
  });

  it('a signature by someone other than the claimed signer with 400', () => {
    const forged = { ...signed({ signer: stranger }), 'epistula-signed-by': VECTOR_ADDRESS };
    expect(verify(forged)).toEqual({ ok: false, status: 400, message: 'signature mismatch' });
  });

  it('a validly signed request from a signer that is not allowed with 401', () => {
    expect(verify(signed({ signer: stranger }))).toEqual({ ok: false, status: 401, message: 'signer is not allowed' });
  });

  it('a replayed uuid with 409, while a fresh uuid passes', () => {
    const replayCache = new ReplayCache();
    const headers = signed();
    expect(verify(headers, { replayCache })).toEqual({ ok: true, signer: VECTOR_ADDRESS });
    expect(verify(headers, { replayCache, nowMs: NOW + 5_000 })).toEqual({
      ok: false,
      status: 409,
      message: 'replayed request: this Epistula-Uuid was already accepted',
    });
    expect(verify(signed({ uuid: 'another-uuid' }), { replayCache }).ok).toBe(true);
  });

  it('only remembers requests that passed every other check', () => {
    const replayCache = new ReplayCache();
    expect(verify(signed(), { replayCache, isAllowedSigner: () => false }).ok).toBe(false);
    expect(replayCache.size).toBe(0);
    expect(verify(signed(), { replayCache }).ok).toBe(true);
  });

  it.each([
    ['epistula-version', 'missing Epistula-Version header'],
    ['epistula-timestamp', 'missing or malformed Epistula-Timestamp header'],
    ['epistula-uuid', 'missing or malformed Epistula-Uuid header'],
    ['epistula-signed-by', 'missing or malformed Epistula-Signed-By header'],
    ['epistula-signed-for', 'missing Epistula-Signed-For header'],
    ['epistula-request-signature', 'missing or malformed Epistula-Request-Signature header (expected 0x + 128 hex)'],
  ])('a request without %s with 400', (name, message) => {
    const headers: Record<string, string> = { ...signed() };
    delete headers[name];
    expect(verify(headers)).toEqual({ ok: false, status: 400, message });
  });

  it('malformed header values with 400, checking headers before the version', () => {
    for (const [name, value] of [
      ['epistula-timestamp', '12.5'],
      ['epistula-timestamp', '-5'],
      ['epistula-uuid', 'a.b'],
      ['epistula-signed-by', 'not-an-address'],
    ] as const) {
      expect(verify({ ...signed(), 'epistula-version': '1', [name]: value })).toMatchObject({ ok: false, status: 400 });
    }
    const repeated = { ...signed(), 'epistula-uuid': ['a', 'b'] } as unknown as Record<string, string>;
    expect(verify(repeated)).toEqual({ ok: false, status: 400, message: 'missing or malformed Epistula-Uuid header' });
  });
});
