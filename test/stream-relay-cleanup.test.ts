import { describe, expect, it } from 'vitest';
import type { MinerEntry } from '../src/metagraph/types.js';
import type { StreamDelta } from '../src/openai/types.js';
import { newResponseIdentity } from '../src/openai/render.js';
import type { CallRecord } from '../src/pipeline/callObserver.js';
import { relayStream } from '../src/pipeline/streamRelay.js';
import type { MinerError } from '../src/transport/minerError.js';

/** A committed stream over in-memory batches, recording how its call ended. */
function attempt(batches: StreamDelta[][]) {
  const outcome: { closed: number; success?: boolean; failure?: MinerError } = { closed: 0 };
  const record: CallRecord = { success: () => { outcome.success = true; }, failure: (e) => { outcome.failure = e; } };
  async function* rest(): AsyncGenerator<StreamDelta[]> {
    yield* batches.slice(1);
  }
  const miner: MinerEntry = { uid: 1, hotkey: 'hk', coldkey: null, host: 'h', port: 1, validatorScore: 1, eligible: true };
  const stream = { timing: { startedAt: 0 }, close: () => { outcome.closed++; }, [Symbol.asyncIterator]: rest };
  return { outcome, value: { miner, record, primed: { stream, head: batches[0]!, rest: rest() } } };
}

const request = { endpoint: 'chat' as const, model: 'm', stream: true, includeUsage: false, params: {} };
const identity = newResponseIdentity('chat', 'm', 0);

describe('relaying a committed stream', () => {
  it('closes the miner call when the client leaves before the first chunk was pulled', async () => {
    const a = attempt([[{ role: 'assistant' }, { text: 'Hello' }], [{ text: ' world', finishReason: 'stop' }]]);
    const events = relayStream(a.value, request, identity)[Symbol.asyncIterator]();
    await events.return!();
    expect(a.outcome.closed).toBe(1);
    expect(a.outcome.failure?.code).toBe('cancelled');
  });

  it('closes it when the client leaves mid-stream', async () => {
    const a = attempt([[{ text: 'Hello' }], [{ text: ' world' }], [{ finishReason: 'stop' }]]);
    const events = relayStream(a.value, request, identity)[Symbol.asyncIterator]();
    await events.next();
    await events.return!();
    expect(a.outcome.closed).toBe(1);
    expect(a.outcome.failure?.code).toBe('cancelled');
  });

  it('records success and leaves a finished stream to drain (keep-alive reuse)', async () => {
    const a = attempt([[{ text: 'Hello' }], [{ text: ' world', finishReason: 'stop' }]]);
    const chunks: unknown[] = [];
    for await (const batch of relayStream(a.value, request, identity)) chunks.push(...batch.split('\n\n').filter((e) => e.length > 0).map((e) => JSON.parse(e.slice('data: '.length)) as unknown));
    expect(a.outcome.success).toBe(true);
    expect(a.outcome.closed).toBe(0);
    expect(chunks).toHaveLength(3); // two content chunks, then the held-back finish
  });
});
