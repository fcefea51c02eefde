import { createHash } from 'node:crypto';
import * as scure from '@scure/sr25519';
import { mnemonicToMiniSecret, sr25519PairFromSeed } from '@polkadot/util-crypto';
import { describe, expect, it } from 'vitest';
import { hotkeyFromMnemonic, type Signer } from '../src/identity/index.js';
import { signEpistula } from '../src/protocols/epistula.js';
import { recordingSigner } from './support/signing.js';
import { MINER_ADDRESS, VECTOR_ADDRESS, VECTOR_MNEMONIC } from './support/testKeys.js';

const body = new TextEncoder().encode('{"model":"m","messages":[{"role":"user","content":"héllo"}],"stream":true}');
const bodySha256 = createHash('sha256').update(body).digest('hex');
const UUID = '3f1c1b8e-8f0e-4c3a-9a57-2c1d0e6b9f10';
const NOW = 1_764_000_000_123;

describe('signEpistula', () => {
  it('emits exactly the six Epistula v2 headers', () => {
    const signer = recordingSigner(0xab);
    const headers = signEpistula({ body, signer, signedFor: MINER_ADDRESS, nowMs: NOW, uuid: UUID });
    expect(headers).toEqual({
      'Epistula-Version': '2',
      'Epistula-Timestamp': '1764000000123',
      'Epistula-Uuid': UUID,
      'Epistula-Signed-By': VECTOR_ADDRESS,
      'Epistula-Signed-For': MINER_ADDRESS,
      'Epistula-Request-Signature': `0x${'ab'.repeat(64)}`,
    });
  });

  it('signs sha256(body).uuid.timestamp.signedFor', () => {
    const signer = recordingSigner(0xab);
    signEpistula({ body, signer, signedFor: MINER_ADDRESS, nowMs: NOW, uuid: UUID });
    expect(signer.signed).toEqual([`${bodySha256}.${UUID}.${NOW}.${MINER_ADDRESS}`]);
  });

  it('signs an empty signed-for and omits the header when signing for nobody', () => {
    const signer = recordingSigner(0xab);
    const headers = signEpistula({ body, signer, signedFor: null, nowMs: NOW, uuid: UUID });
    expect(signer.signed).toEqual([`${bodySha256}.${UUID}.${NOW}.`]);
    expect(Object.keys(headers)).not.toContain('Epistula-Signed-For');
  });

  it('defaults to a fresh uuid4 and the current time', () => {
    const before = Date.now();
    const a = signEpistula({ body, signer: recordingSigner(0xab), signedFor: MINER_ADDRESS });
    const b = signEpistula({ body, signer: recordingSigner(0xab), signedFor: MINER_ADDRESS });
    expect(a['Epistula-Uuid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a['Epistula-Uuid']).not.toBe(b['Epistula-Uuid']);
    const timestamp = Number(a['Epistula-Timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('produces a signature that an independent sr25519 implementation accepts', async () => {
    const hotkey = await hotkeyFromMnemonic(VECTOR_MNEMONIC);
    const headers = signEpistula({ body, signer: hotkey, signedFor: MINER_ADDRESS, nowMs: NOW, uuid: UUID });
    const signature = headers['Epistula-Request-Signature'] ?? '';
    expect(signature).toMatch(/^0x[0-9a-f]{128}$/);
    const publicKey = sr25519PairFromSeed(mnemonicToMiniSecret(VECTOR_MNEMONIC)).publicKey;
    const message = new TextEncoder().encode(`${bodySha256}.${UUID}.${NOW}.${MINER_ADDRESS}`);
    expect(scure.verify(message, Buffer.from(signature.slice(2), 'hex'), publicKey)).toBe(true);
  });

  it('refuses a non-integer timestamp', () => {
    expect(() => signEpistula({ body, signer: recordingSigner(0xab), signedFor: null, nowMs: 1.5 })).toThrow(RangeError);
  });
});
