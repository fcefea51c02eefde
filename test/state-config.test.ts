import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { redactConfig } from '../src/config/redact.js';
import { Secret } from '../src/config/secret.js';

const models = { m: { netuid: 1, source: { type: 'static', miners: [] } } };

describe('redis, cache, auth and rateLimits config', () => {
  it('has safe defaults: no Redis, cache on, API keys required, no limits', () => {
    const config = parseConfig({ models });
    expect(config.redis).toBeUndefined();
    expect(config.cache).toMatchObject({ enabled: true, ttlSeconds: 600, namespacePerKey: false, coalesce: { enabled: true } });
    expect(config.auth.mode).toBe('keys');
    expect(config.rateLimits.requestsPerMinute).toBeUndefined();
    expect(config.models.m!.cache).toEqual({ mode: 'deterministic' });
  });

  it('wants exactly one way to reach Redis', () => {
    expect(() => parseConfig({ models, redis: {} })).toThrow(/redis: give one of url, sentinel or cluster/);
    expect(() => parseConfig({ models, redis: { url: 'redis://x', cluster: { nodes: [{ host: 'a', port: 1 }] } } })).toThrow(/only one of url, sentinel and cluster/);
    expect(parseConfig({ models, redis: { sentinel: { name: 'mymaster', sentinels: [{ host: 's', port: 26379 }] } } }).redis!.budgetMs).toBe(50);
  });

  it('keeps Redis credentials secret in logs', () => {
    const config = parseConfig({ models, redis: { url: 'redis://:hunter2@cache:6379', password: 'hunter3' } });
    expect(config.redis!.url).toBeInstanceOf(Secret);
    expect(config.redis!.url!.reveal()).toBe('redis://:hunter2@cache:6379');
    const logged = JSON.stringify(redactConfig(config));
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toContain('hunter3');
  });

  it('checks config keys are hashes, and names the bad field', () => {
    expect(() => parseConfig({ models, auth: { keys: [{ id: 'ops', sha256: 'sk-tg-plaintext' }] } })).toThrow(/auth\.keys\.0\.sha256: the hex SHA-256 of the key/);
    expect(() => parseConfig({ models, auth: { mode: 'sometimes' } })).toThrow(/auth\.mode/);
    expect(() => parseConfig({ models: { m: { ...models.m, cache: { mode: 'sometimes' } } } })).toThrow(/models\.m\.cache\.mode/);
  });
});
