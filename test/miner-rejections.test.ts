import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hotkeyFromMnemonic, hotkeyFromSeed, type Hotkey } from '../src/identity/index.js';
import { axonBodyHash, buildAxonHeaders } from '../src/protocols/axon.js';
import { signEpistula } from '../src/protocols/epistula.js';
import { startVerifyingMiner } from './support/signing.js';
import { STRANGER_ADDRESS, STRANGER_SEED, VECTOR_MNEMONIC } from './support/testKeys.js';

/**
 * The reference miner refuses bad requests with the statuses real miners use (README,
 * "taogate miner"). Requests are crafted by hand here, over real HTTP.
 */
describe('the reference miner verifies Epistula requests', () => {
  let miner: Awaited<ReturnType<typeof startVerifyingMiner>>;
  let gateway: Hotkey;
  let stranger: Hotkey;
  const body = Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));

  beforeAll(async () => {
    miner = await startVerifyingMiner(1, { axon: true });
    gateway = await hotkeyFromMnemonic(VECTOR_MNEMONIC);
    stranger = await hotkeyFromSeed(STRANGER_SEED);
  });
  afterAll(() => miner.close());

  async function post(headers: Record<string, string>, sent: Buffer = body): Promise<{ status: number; message: string }> {
    const response = await fetch(`${miner.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: sent });
    const json = await response.json() as { message?: string };
    return { status: response.status, message: json.message ?? '' };
  }
  const signed = (overrides: Partial<Parameters<typeof signEpistula>[0]> = {}): Record<string, string> =>
    signEpistula({ body, signer: gateway, signedFor: miner.hotkey, ...overrides });

  it('serves a correctly signed request', async () => {
    expect((await post(signed())).status).toBe(200);
  });

  it('400 for a tampered body', async () => {
    const tampered = Buffer.from(body.toString().replace('hi', 'ho'));
    expect(await post(signed(), tampered)).toMatchObject({ status: 400, message: 'signature mismatch' });
  });

  it('400 for a request signed for another hotkey', async () => {
    expect(await post(signed({ signedFor: STRANGER_ADDRESS }))).toMatchObject({ status: 400, message: expect.stringContaining('Signed-For') });
  });

  it('400 for a stale timestamp (older than 8 s) and one from the future', async () => {
    expect(await post(signed({ nowMs: Date.now() - 9_000 }))).toMatchObject({ status: 400, message: expect.stringContaining('stale') });
    expect(await post(signed({ nowMs: Date.now() + 9_000 }))).toMatchObject({ status: 400, message: expect.stringContaining('stale') });
  });

  it('400 for an unsupported version or missing headers', async () => {
    expect((await post({ ...signed(), 'Epistula-Version': '1' })).status).toBe(400);
    expect((await post({})).status).toBe(400);
  });

  it('401 for a valid signature by a signer it does not serve', async () => {
    expect(await post(signed({ signer: stranger }))).toMatchObject({ status: 401, message: 'signer is not allowed' });
  });

  it('409 for a replayed uuid within the window', async () => {
    const headers = signed();
    expect((await post(headers)).status).toBe(200);
    expect(await post(headers)).toMatchObject({ status: 409, message: expect.stringContaining('replayed') });
  });

  describe('and axon synapse requests', () => {
    let nonce = BigInt(Date.now()) * 1_000_000n;
    const synapse = { name: 'StreamPromptingSynapse', timeout: 12, roles: ['user'], messages: ['hi'], completion: '' };
    const headersFor = (signer: Hotkey, fields: Record<string, unknown> = synapse, uuid = 'test-uuid'): Record<string, string> => buildAxonHeaders({
      synapseName: 'StreamPromptingSynapse', timeoutSec: 12,
      axon: { ip: '127.0.0.1', port: miner.port, hotkey: miner.hotkey },
      dendrite: { ip: '0.0.0.0', hotkey: signer.address, uuid },
      nonce: ++nonce, bodyHash: axonBodyHash(fields, ['messages']), signer,
      requiredFields: { roles: [], messages: [] },
    });
    async function call(headers: Record<string, string>, sent: unknown = synapse, path = '/StreamPromptingSynapse'): Promise<{ status: number; text: string }> {
      const response = await fetch(`${miner.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(sent) });
      return { status: response.status, text: await response.text() };
    }

    it('streams raw text for a correctly signed synapse', async () => {
      const { status, text } = await call(headersFor(gateway));
      expect(status).toBe(200);
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toContain('data:');
    });

    it('403 for a signer it does not serve (blacklist)', async () => {
      expect((await call(headersFor(stranger))).status).toBe(403);
    });

    it('401 for a bad signature or a reused nonce', async () => {
      const headers = headersFor(gateway, synapse, 'uuid-2');
      expect((await call({ ...headers, bt_header_dendrite_signature: `0x${'ab'.repeat(64)}` })).status).toBe(401);
      expect((await call(headers)).status).toBe(200);
      expect((await call(headers)).status).toBe(401);
    });

    it('500 for a body that does not match its hash', async () => {
      expect((await call(headersFor(gateway), { ...synapse, messages: ['changed'] })).status).toBe(500);
    });

    it('404 for a synapse it does not serve', async () => {
      expect((await call(headersFor(gateway), synapse, '/OtherSynapse')).status).toBe(404);
    });
  });
});
