import { describe, expect, it } from 'vitest';
import { collectAnswers } from '../src/fanout/collect.js';
import { Cancellation } from '../src/lifecycle/cancellation.js';
import type { MinerEntry } from '../src/metagraph/types.js';
import { MinerError } from '../src/transport/minerError.js';
import { CallWatchdog } from '../src/transport/watchdog.js';

const miner = (uid: number): MinerEntry => ({ uid, hotkey: `m${uid}`, coldkey: null, host: '127.0.0.1', port: 1, validatorScore: 1, eligible: true });

describe('collecting answers', () => {
  it('keeps an answer already in hand when another miner then refuses the request outright', async () => {
    const miners = [miner(1), miner(2)];
    const collected = await collectAnswers<string>({
      plan: { initial: 2, maxConcurrent: 2, maxAttempts: 2 },
      pickNext: (exclude) => miners.find((m) => !exclude.has(m.hotkey)),
      launch: async (m) => {
        if (m.uid === 1) return 'a valid answer';
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new MinerError('rejected_malformed', 'the miner refused the request');
      },
      cancellation: new Cancellation(),
      deadline: Date.now() + 5_000,
      collectMs: 1_000,
    });
    expect(collected.results.map((r) => r.value)).toEqual(['a valid answer']);
    expect(collected.failures.map((f) => f.error.code)).toEqual(['rejected_malformed']);
  });
});

describe('the call watchdog', () => {
  it('arms no timer once the call is over, even if a buffered chunk is replayed late', async () => {
    const fired: string[] = [];
    const timeouts = { connectMs: 1_000, firstByteMs: 1_000, idleMs: 20, totalMs: 1_000 };
    const watchdog = new CallWatchdog(timeouts, Date.now() + 1_000, Date.now(), (failure) => fired.push(failure.code));
    watchdog.dispose();
    watchdog.firstByte();
    watchdog.activity();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fired).toEqual([]);
  });
});
