import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { redactConfig } from '../src/config/redact.js';
import { buildGateway } from '../src/gateway/build.js';
import { loadConfiguredHotkey } from '../src/gateway/identity.js';
import { runGateway } from '../src/gateway/run.js';
import { createLogger } from '../src/logging/logger.js';
import { VECTOR_ADDRESS, VECTOR_MNEMONIC, VECTOR_SEED } from './support/testKeys.js';

const dir = mkdtempSync(join(tmpdir(), 'taogate-identity-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const model = (name: string, protocol: string, extra = '') => `
  ${name}:
    netuid: 1
    protocol: ${protocol}
    source: { type: static, miners: [{ uid: 1, hotkey: ${VECTOR_ADDRESS}, host: 10.0.0.1, port: 8091 }] }${extra}
`;
const EPISTULA = `models:${model('sn1/chat', 'epistula')}`;

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('identity configuration', () => {
  it('reads the mnemonic from TAOGATE_HOTKEY_MNEMONIC as a Secret that never prints', async () => {
    const config = loadConfig({ path: file('env.yaml', EPISTULA), env: { TAOGATE_HOTKEY_MNEMONIC: VECTOR_MNEMONIC } });
    expect((await loadConfiguredHotkey(config.identity!)).address).toBe(VECTOR_ADDRESS);
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('leopard');
    expect(shown).toContain('[redacted]');
  });

  it('reads a 0x seed from TAOGATE_HOTKEY_SEED verbatim (not as a YAML number)', async () => {
    const config = loadConfig({ path: file('seed.yaml', EPISTULA), env: { TAOGATE_HOTKEY_SEED: VECTOR_SEED } });
    expect((await loadConfiguredHotkey(config.identity!)).address).toBe(VECTOR_ADDRESS);
  });

  it('loads a btcli wallet hotkey, the wallets dir relative to the config file', async () => {
    file('wallets/validator/hotkeys/default', JSON.stringify({ secretPhrase: VECTOR_MNEMONIC, ss58Address: VECTOR_ADDRESS }));
    const config = loadConfig({ path: file('wallet.yaml', `${EPISTULA}identity: { wallet: validator, walletsDir: wallets }\n`) });
    expect(config.identity!.walletsDir).toBe(join(dir, 'wallets'));
    expect((await loadConfiguredHotkey(config.identity!)).address).toBe(VECTOR_ADDRESS);
  });

  it('loads a secret file holding a mnemonic', async () => {
    file('hotkey.txt', `${VECTOR_MNEMONIC}\n`);
    const config = loadConfig({ path: file('secretfile.yaml', `${EPISTULA}identity: { secretFile: hotkey.txt }\n`) });
    expect((await loadConfiguredHotkey(config.identity!)).address).toBe(VECTOR_ADDRESS);
  });

  it('refuses an epistula or axon model without an identity, naming the models', () => {
    const message = configError(() => loadConfig({ path: file('none.yaml', `models:${model('sn1/chat', 'epistula')}${model('plain', 'openai')}${model('sn1/axon', 'axon', '\n    axon: { preset: sn1-stream-prompting }')}`) }));
    expect(message).toMatch(/identity: required: model\(s\) sn1\/chat, sn1\/axon use epistula or axon/);
    expect(message).not.toContain('plain');
    expect(() => loadConfig({ path: file('plain.yaml', `models:${model('plain', 'openai')}`) })).not.toThrow();
  });

  it('refuses a mnemonic written into the config file, without echoing it', () => {
    const message = configError(() => loadConfig({ path: file('inline.yaml', `${EPISTULA}identity: { mnemonic: "${VECTOR_MNEMONIC}" }\n`) }));
    expect(message).toContain('TAOGATE_HOTKEY_MNEMONIC');
    expect(message).not.toContain('leopard');
  });

  it('refuses two hotkey sources at once', () => {
    const message = configError(() => loadConfig({ path: file('two.yaml', `${EPISTULA}identity: { wallet: w }\n`), env: { TAOGATE_HOTKEY_SEED: VECTOR_SEED } }));
    expect(message).toContain('only one hotkey source');
  });

  it('refuses an encrypted wallet at start-up with identity/’s message', async () => {
    file('wallets/locked/hotkeys/default', '$NACL\u0000encrypted-bytes');
    const config = loadConfig({ path: file('locked.yaml', `${EPISTULA}identity: { wallet: locked, walletsDir: wallets }\n`) });
    const parts = buildGateway(config, { logger: createLogger('silent') });
    const error = await runGateway(parts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^identity: hotkey file .* is encrypted/);
  });
});

describe('axon mapping configuration', () => {
  it('expands the SN1 preset', () => {
    const config = loadConfig({ path: file('preset.yaml', `${EPISTULA.replace('epistula', 'axon')}    axon: { preset: sn1-stream-prompting }\nidentity: { secretFile: hotkey.txt }\n`) });
    expect(config.models['sn1/chat']!.axon).toEqual({
      synapse: 'StreamPromptingSynapse', streaming: true, hashFields: ['messages'], requiredFields: ['roles', 'messages'],
      request: { roles: { from: 'messages.role' }, messages: { from: 'messages.content' }, completion: { value: '' } },
      responseField: 'completion',
    });
  });

  it('requires a mapping for axon models and checks an explicit one', () => {
    const base = `${EPISTULA.replace('epistula', 'axon')}identity: { secretFile: hotkey.txt }\n`;
    expect(configError(() => loadConfig({ path: file('nomap.yaml', base) }))).toMatch(/models\.sn1\/chat\.axon: required with protocol axon/);
    const explicit = `
    axon:
      synapse: TextSynapse
      hashFields: [prompt, temperature]
      request:
        prompt: { from: prompt }
        temperature: { from: params.temperature }
`;
    const message = configError(() => loadConfig({ path: file('explicit.yaml', base.replace('identity', `${explicit.slice(1)}identity`)) }));
    expect(message).toContain('responseField');
    expect(message).toContain('"temperature" comes from params.temperature, which a request may omit: give it a default');
  });
});
