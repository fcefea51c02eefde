import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { redactConfig } from '../src/config/redact.js';
import { Secret } from '../src/config/secret.js';
import { serveConfig } from '../src/cli/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'taogate-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const MINIMAL = `
models:
  sn1/demo:
    netuid: 1
    source:
      type: static
      miners:
        - { uid: 3, hotkey: 5Fminer, host: 10.0.0.3, port: 8091 }
`;

describe('configuration', () => {
  it('fills defaults and freezes the result', () => {
    const config = loadConfig({ path: file('ok.yaml', MINIMAL) });
    expect(config.server.port).toBe(8080);
    expect(config.models['sn1/demo']!.protocol).toBe('openai');
    expect(config.models['sn1/demo']!.timeouts.connectMs).toBe(3_000);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.models['sn1/demo']!.timeouts)).toBe(true);
    expect(() => { (config.server as { port: number }).port = 1; }).toThrow();
  });

  it('names every bad path in one message', () => {
    const path = file('bad.yaml', `${MINIMAL}    timeouts: { connectMs: "soon" }\nserver: { port: 70000, colour: blue }\n`);
    let error: unknown;
    try {
      loadConfig({ path });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('models.sn1/demo.timeouts.connectMs');
    expect(message).toContain('server.port');
    expect(message).toMatch(/server: .*colour/);
  });

  it('refuses a file that is not YAML, or missing, with the path in the message', () => {
    expect(() => loadConfig({ path: file('broken.yaml', 'models: [unclosed') })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ path: join(dir, 'absent.yaml') })).toThrow(/cannot read config file .*absent\.yaml/);
  });

  it('serve --port wins over the file and over PORT', () => {
    const path = file('port.yaml', `${MINIMAL}server: { port: 9000 }\n`);
    expect(serveConfig(['--config', path], {}).server.port).toBe(9000);
    expect(serveConfig(['--config', path, '--port', '1234'], {}).server.port).toBe(1234);
    expect(serveConfig(['--config', path, '--port', '1234'], { PORT: '4321' }).server.port).toBe(1234);
  });

  it('takes secrets and URLs from the environment verbatim, not as YAML', () => {
    const config = loadConfig({
      path: file('secret-env.yaml', MINIMAL),
      env: { TAOGATE__redis__url: 'redis://u:p#ss@10.0.0.9:6379', TAOGATE__redis__password: '0x1f #not a comment' },
    });
    expect(config.redis?.url?.reveal()).toBe('redis://u:p#ss@10.0.0.9:6379');
    expect(config.redis?.password?.reveal()).toBe('0x1f #not a comment');
  });

  it('lets the environment override the file, with types kept', () => {
    const config = loadConfig({
      path: file('env.yaml', MINIMAL),
      env: { PORT: '9999', LOG_LEVEL: 'debug', TAOGATE__server__bodyLimitBytes: '2048', 'TAOGATE__models__sn1/demo__timeouts__idleMs': '1234', TAOGATE__network__allowCidrs: '[10.0.0.0/8]' },
    });
    expect(config.server.port).toBe(9999);
    expect(config.log.level).toBe('debug');
    expect(config.server.bodyLimitBytes).toBe(2048);
    expect(config.models['sn1/demo']!.timeouts.idleMs).toBe(1234);
    expect(config.network.allowCidrs).toEqual(['10.0.0.0/8']);
  });

  it('reads a static miner list from its own file, relative to the config', () => {
    file('miners.yaml', 'miners:\n  - { uid: 1, hotkey: a, host: 10.1.1.1, port: 1 }\n  - { uid: 2, hotkey: b, host: 10.1.1.2, port: 2, score: 0.5 }\n');
    const config = loadConfig({ path: file('listed.yaml', 'models:\n  m:\n    netuid: 2\n    source: { type: static, file: miners.yaml }\n') });
    const source = config.models.m!.source;
    if (source.type !== 'static') throw new Error('expected a static source');
    expect(source.miners).toHaveLength(2);
    expect(source.miners![1]!.score).toBe(0.5);
  });

  it('requires at least one model', () => {
    expect(() => loadConfig({ path: file('empty.yaml', 'models: {}\n') })).toThrow(/declare at least one model/);
  });

  it('redacts secrets wherever config is printed', () => {
    const secret = new Secret('correct horse battery staple');
    expect(JSON.stringify({ secret })).not.toContain('horse');
    expect(inspect({ secret })).not.toContain('horse');
    expect(`${secret}`).not.toContain('horse');
    expect(secret.reveal()).toBe('correct horse battery staple');
    const shown = JSON.stringify(redactConfig({ redis: { url: 'redis://x', password: 'hunter2' }, identity: { mnemonic: 'a b c', seed: new Secret('0xabc') } }));
    const endpoints = JSON.stringify(redactConfig({ chain: { endpoint: 'wss://user:pw@rpc.example.com/v1/KEY123?apikey=KEY123' } }));
    expect(endpoints).not.toMatch(/KEY123|pw/);
    expect(endpoints).toContain('wss://rpc.example.com/[redacted]');
    expect(JSON.stringify(redactConfig({ chain: { endpoint: 'finney' } }))).toContain('"finney"');
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('a b c');
    expect(shown).not.toContain('0xabc');
    expect(shown).toContain('redis://x');
  });
});
