import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../src/config/load.js';

/** The `chain` section and `source: { type: chain }`: defaults, presets, and what is refused. */

const model = (source: Record<string, unknown> = {}, netuid = 1) => ({ netuid, source: { type: 'chain', ...source } });
const parse = (raw: Record<string, unknown>) => parseConfig({ models: { m: model() }, ...raw });
const problem = (raw: Record<string, unknown>): string => {
  try {
    parse(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('chain configuration', () => {
  it('defaults to finney, a five-minute refresh, stale after three, and files for snapshots', () => {
    const config = parse({});
    expect(config.chain).toEqual({
      endpoint: 'finney', refreshIntervalMs: 300_000, staleAfterMs: 900_000, connectTimeoutMs: 15_000, requestTimeoutMs: 30_000,
      retryInitialMs: 2_000, retryMaxMs: 60_000, snapshotDir: '.taogate/metagraph',
    });
    expect(config.models.m?.source).toEqual({
      type: 'chain', excludeValidators: true, validatorStakeThresholdRao: 0n, dedupe: 'none', allowHotkeys: [], denyHotkeys: [], scoreSource: 'incentive',
    });
    expect(parse({ chain: { refreshIntervalMs: 60_000 } }).chain.staleAfterMs).toBe(180_000);
  });

  it('takes the presets and ws(s) URLs, and names a bad endpoint', () => {
    for (const endpoint of ['finney', 'test', 'local', 'ws://10.0.0.2:9944', 'wss://lite.chain.opentensor.ai:443']) {
      expect(parse({ chain: { endpoint } }).chain.endpoint).toBe(endpoint);
    }
    expect(problem({ chain: { endpoint: 'mainnet' } })).toMatch(/chain\.endpoint: unknown chain endpoint "mainnet": expected finney, test, local or a ws\(s\):\/\/ URL/);
    expect(problem({ chain: { endpoint: 'https://entrypoint-finney.opentensor.ai' } })).toMatch(/chain\.endpoint: .*must be a ws:\/\/ or wss:\/\/ URL/);
  });

  it('refuses a stale-after age within one refresh, and unknown keys', () => {
    expect(problem({ chain: { refreshIntervalMs: 60_000, staleAfterMs: 60_000 } })).toMatch(/chain\.staleAfterMs: must be longer than refreshIntervalMs/);
    expect(problem({ chain: { retryInitialMs: 5_000, retryMaxMs: 1_000 } })).toMatch(/chain\.retryMaxMs: must be at least retryInitialMs/);
    expect(problem({ chain: { refresh: 1 } })).toMatch(/chain: Unrecognized key: "refresh"/);
    expect(problem({ models: { m: model({ minStake: 1 }) } })).toMatch(/models\.m\.source: Unrecognized key: "minStake"/);
  });

  it('reads stake thresholds in rao, as integers or decimal strings beyond 2^53', () => {
    const threshold = (value: unknown) => {
      const source = parse({ models: { m: model({ validatorStakeThresholdRao: value }) } }).models.m?.source;
      return source?.type === 'chain' ? source.validatorStakeThresholdRao : undefined;
    };
    expect(threshold(4_096_000_000_000)).toBe(4_096_000_000_000n);
    expect(threshold('21000000000000000000')).toBe(21_000_000_000_000_000_000n);
    expect(problem({ models: { m: model({ validatorStakeThresholdRao: '12.5' }) } })).toMatch(/models\.m\.source\.validatorStakeThresholdRao/);
    expect(problem({ models: { m: model({ validatorStakeThresholdRao: -1 }) } })).toMatch(/models\.m\.source\.validatorStakeThresholdRao/);
  });

  it('scores by a chain score or one validator per subnet', () => {
    const hotkeyA = '5D1saVvssckE1XoPwPzdHrqYZtvBJ3vESsrPNxZ4zAxbKGs1';
    const hotkeyB = '5DkMmXtWf16RNdusZGCrJ7ca7ADPgRnZLVWCWbgA7s7sy1AQ';
    const config = parseConfig({ models: { a: model({ scoreSource: { weightsOf: hotkeyA } }), b: model({ scoreSource: 'dividends', dedupe: 'ip' }) } });
    expect(config.models.a?.source).toMatchObject({ scoreSource: { weightsOf: hotkeyA } });
    expect(config.models.b?.source).toMatchObject({ scoreSource: 'dividends', dedupe: 'ip' });
    expect(problem({ models: { m: model({ scoreSource: 'stake' }) } })).toMatch(/models\.m\.source\.scoreSource/);
    // One read per subnet carries one weights row.
    let message = '';
    try {
      parseConfig({ models: { a: model({ scoreSource: { weightsOf: hotkeyA } }), b: model({ scoreSource: { weightsOf: hotkeyB } }), c: model({ scoreSource: { weightsOf: hotkeyB } }, 2) } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/models\.b\.source\.scoreSource: netuid 1 is read once for all its models, with one validator's weights: model a already uses weightsOf 5D1s/);
  });

  it('takes the chain section from the environment like any other key', () => {
    const config = loadConfig({ base: { models: { m: model() } }, env: { TAOGATE__chain__endpoint: 'test', TAOGATE__chain__refreshIntervalMs: '120000' } });
    expect(config.chain).toMatchObject({ endpoint: 'test', refreshIntervalMs: 120_000, staleAfterMs: 360_000 });
    expect(Object.isFrozen(config.chain)).toBe(true);
  });
});
