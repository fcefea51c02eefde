import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowListPolicy, parseStakeSnapshot, stakeSnapshotPolicy } from '../src/miner/signerPolicy.js';
import { MINER_ADDRESS, STRANGER_ADDRESS, VECTOR_ADDRESS } from './support/testKeys.js';

describe('who may call taogate miner', () => {
  it('--allow admits exactly the listed hotkeys and refuses a non-address', () => {
    const policy = allowListPolicy([VECTOR_ADDRESS]);
    expect(policy(VECTOR_ADDRESS)).toBe(true);
    expect(policy(STRANGER_ADDRESS)).toBe(false);
    expect(() => allowListPolicy(['validator-1'])).toThrow(/not an ss58 address/);
  });

  it('--metagraph-snapshot admits hotkeys with at least --min-stake rao', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'taogate-snapshot-')), 'snapshot.json');
    writeFileSync(path, JSON.stringify([
      { hotkey: VECTOR_ADDRESS, stakeRao: '100000000000000000000', uid: 0 },
      { hotkey: MINER_ADDRESS, stakeRao: 999 },
    ]));
    const policy = await stakeSnapshotPolicy(path, 1000n);
    expect(policy(VECTOR_ADDRESS)).toBe(true);
    expect(policy(MINER_ADDRESS)).toBe(false);
    expect(policy(STRANGER_ADDRESS)).toBe(false);
    expect((await stakeSnapshotPolicy(path, 0n))(MINER_ADDRESS)).toBe(true);
  });

  it('refuses a snapshot that is not a list of {hotkey, stakeRao}', async () => {
    expect(() => parseStakeSnapshot({ neurons: [] })).toThrow(/JSON array/);
    expect(() => parseStakeSnapshot([{ hotkey: 'x', stakeRao: 1 }])).toThrow(/entry 0: hotkey/);
    expect(() => parseStakeSnapshot([{ hotkey: VECTOR_ADDRESS, stakeRao: 1.5 }])).toThrow(/entry 0: stakeRao/);
    await expect(stakeSnapshotPolicy('/nonexistent/snapshot.json', 1n)).rejects.toThrow(/cannot read metagraph snapshot/);
  });
});
