import { describe, expect, it } from 'vitest';
import { formatMinerTable, shortHotkey } from '../src/metagraph/table.js';
import type { MinerSnapshot } from '../src/metagraph/types.js';

const snapshot: MinerSnapshot = {
  netuid: 1,
  block: 6_852_690,
  fetchedAt: 0,
  scoreSource: 'weights',
  miners: [
    { uid: 0, hotkey: '5DkMmXtWf16RNdusZGCrJ7ca7ADPgRnZLVWCWbgA7s7sy1AQ', coldkey: null, host: '192.222.59.109', port: 6028, validatorScore: 0.25, eligible: true },
    { uid: 3, hotkey: '5FuhU2YvQYtWQdSp3o6tEs4Qrs6TQf7a4fW9ct8b4kdrTA32', coldkey: null, host: '2a01:4f8:c17:b8f::2', port: 8091, validatorScore: 1, eligible: true },
    { uid: 24, hotkey: '5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL', coldkey: null, host: '', port: 0, validatorScore: 0, eligible: false, excludedReason: 'not serving', excludedKind: 'not_serving' },
    { uid: 1000, hotkey: '5D1saVvssckE1XoPwPzdHrqYZtvBJ3vESsrPNxZ4zAxbKGs1', coldkey: null, host: '10.0.0.5', port: 8001, validatorScore: 0, eligible: false, excludedReason: 'private address 10.0.0.5', excludedKind: 'blocked_address' },
  ],
  eligible: [],
};
snapshot.eligible = snapshot.miners.filter((m) => m.eligible);

describe('metagraph table', () => {
  it('lists every miner with endpoint, score and eligibility or reason', () => {
    expect(formatMinerTable(snapshot)).toBe([
      'netuid 1 · block 6852690 · 2/4 eligible · scores from weights',
      ' UID  HOTKEY         ENDPOINT                    SCORE  STATUS',
      '   0  5DkMmXtW…y1AQ  192.222.59.109:6028         0.250  eligible',
      '   3  5FuhU2Yv…TA32  [2a01:4f8:c17:b8f::2]:8091  1.000  eligible',
      '  24  5CiPPseX…2DjL  -                               -  not serving',
      '1000  5D1saVvs…KGs1  10.0.0.5:8001                   -  private address 10.0.0.5',
      '',
    ].join('\n'));
  });

  it('sorts by score, keeps eligible miners only, and cuts at a limit', () => {
    const text = formatMinerTable(snapshot, { sortBy: 'score', eligibleOnly: true, limit: 1 });
    expect(text.split('\n').slice(2)).toEqual(['  3  5FuhU2Yv…TA32  [2a01:4f8:c17:b8f::2]:8091  1.000  eligible', '… 1 more', '']);
  });

  it('shortens hotkeys to their ends', () => {
    expect(shortHotkey('5DkMmXtWf16RNdusZGCrJ7ca7ADPgRnZLVWCWbgA7s7sy1AQ')).toBe('5DkMmXtW…y1AQ');
    expect(shortHotkey('short')).toBe('short');
  });
});
