import { describe, expect, it } from 'vitest';
import type { MinerEntry } from '../src/metagraph/types.js';
import type { Answer, StreamDelta } from '../src/openai/types.js';
import { alignAfter } from '../src/pipeline/streamSplice.js';
import { chooseBest, chooseConsensus, hasQuorum, type Candidate } from '../src/selection/choose.js';
import { schemaProblem } from '../src/selection/jsonSchemaCheck.js';
import { similarity } from '../src/selection/similarity.js';
import { answerProblem } from '../src/selection/validate.js';
import { resolvePolicy, type FanoutPolicy } from '../src/fanout/strategies.js';
import { GatewayError } from '../src/errors/gatewayError.js';

const miner = (uid: number): MinerEntry => ({ uid, hotkey: `hk${uid}`, coldkey: null, host: 'h', port: 1, validatorScore: 1, eligible: true });
const answer = (text: string, extra: Partial<Answer> = {}): Answer => ({ endpoint: 'chat', text, finishReason: 'stop', ...extra });
const candidate = (uid: number, text: string, score: number): Candidate => ({ miner: miner(uid), answer: answer(text), score });
const request = (params: Record<string, unknown> = {}) => ({ endpoint: 'chat' as const, model: 'm', stream: false, includeUsage: false, params });

describe('validating miner answers', () => {
  it('refuses empty, unfinished and malformed answers', () => {
    expect(answerProblem(answer('hi'), request())).toBeUndefined();
    expect(answerProblem(answer('   '), request())).toBe('empty answer');
    expect(answerProblem(answer('hi', { finishReason: null }), request())).toBe('no finish reason');
    const badTool = answer('', { toolCalls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }], finishReason: 'tool_calls' });
    expect(answerProblem(badTool, request())).toBe('tool call arguments are not JSON');
  });

  it('checks JSON mode and the requested schema', () => {
    const jsonMode = request({ response_format: { type: 'json_object' } });
    expect(answerProblem(answer('{"a":1}'), jsonMode)).toBeUndefined();
    expect(answerProblem(answer('sure! {"a":1}'), jsonMode)).toBe('answer is not the JSON the client asked for');
    expect(answerProblem(answer('[1]'), jsonMode)).toBe('answer is not a JSON object');
    const schema = { type: 'object', required: ['city', 'temp'], properties: { city: { type: 'string' }, temp: { type: 'number' } }, additionalProperties: false };
    const withSchema = request({ response_format: { type: 'json_schema', json_schema: { name: 'w', schema } } });
    expect(answerProblem(answer('{"city":"Oslo","temp":3.5}'), withSchema)).toBeUndefined();
    expect(answerProblem(answer('{"city":"Oslo"}'), withSchema)).toMatch(/\$\.temp is missing/);
    expect(answerProblem(answer('{"city":"Oslo","temp":"cold"}'), withSchema)).toMatch(/\$\.temp is not of type number/);
    expect(answerProblem(answer('{"city":"Oslo","temp":1,"x":1}'), withSchema)).toMatch(/\$\.x is not allowed/);
  });

  it('interprets schemas without compiling them, and ignores what it does not know', () => {
    expect(schemaProblem({ a: [1, 2] }, { properties: { a: { type: 'array', items: { type: 'integer' } } } })).toBeUndefined();
    expect(schemaProblem({ a: [1, 'x'] }, { properties: { a: { type: 'array', items: { type: 'integer' } } } })).toBe('$.a[1] is not of type integer');
    // Inherited names are not properties: a miner cannot slip past with `constructor` or `hasOwnProperty`.
    expect(schemaProblem(JSON.parse('{"a":"x","constructor":5}'), { properties: { a: { type: 'string' } }, additionalProperties: false })).toBe('$.constructor is not allowed');
    expect(schemaProblem({ a: 'x' }, { required: ['hasOwnProperty'] })).toBe('$.hasOwnProperty is missing');
    expect(schemaProblem('x', { pattern: '^(a+)+$', enum: ['x'] })).toBeUndefined();
    expect(schemaProblem(3, { anyOf: [{ type: 'string' }, { const: 3 }] })).toBeUndefined();
  });
});

describe('choosing among answers', () => {
  it('measures similarity after normalising case, punctuation and spacing', () => {
    expect(similarity('The capital is Paris.', 'the capital is  paris')).toBe(1);
    expect(similarity('the capital is paris', 'the capital is rome')).toBeCloseTo(0.5, 5);
    expect(similarity('abc', '')).toBe(0);
  });

  it('best-of-k treats the disagreeing answer as an outlier, then prefers the best-scored miner', () => {
    const choice = chooseBest([
      candidate(1, 'The answer is forty two, as computed.', 0.9),
      candidate(2, 'The answer is forty two, as computed!', 0.5),
      candidate(3, 'Bananas are an excellent source of potassium.', 0.99),
    ]);
    expect(choice.chosen.miner.uid).toBe(1);
    expect(choice.outliers.map((o) => o.miner.uid)).toEqual([3]);
    expect(choice.agreeing).toBe(2);
  });

  it('with two disagreeing answers, trusts the better-scored miner', () => {
    const choice = chooseBest([candidate(1, 'yes indeed', 0.3), candidate(2, 'no way at all', 0.6)]);
    expect(choice.chosen.miner.uid).toBe(2);
    expect(choice.outliers).toEqual([]);
  });

  it('consensus takes the answer most miners gave, ties going to the best-scored miner', () => {
    const majority = chooseConsensus([candidate(1, 'A b c', 0.2), candidate(2, 'x y', 0.9), candidate(3, 'a b c.', 0.4)]);
    expect(majority.chosen.miner.uid).toBe(3);
    expect(majority.outliers.map((o) => o.miner.uid)).toEqual([2]);
    const tie = chooseConsensus([candidate(1, 'one', 0.2), candidate(2, 'two', 0.9)]);
    expect(tie.chosen.miner.uid).toBe(2);
    expect(hasQuorum([candidate(1, 'a', 1), candidate(2, 'a', 1)], 3)).toBe(true);
    expect(hasQuorum([candidate(1, 'a', 1), candidate(2, 'b', 1)], 3)).toBe(false);
  });
});

describe('splicing a replacement stream after a mid-stream failure', () => {
  async function* batches(list: StreamDelta[][]): AsyncGenerator<StreamDelta[]> {
    yield* list;
  }
  const collect = async (sent: string, list: StreamDelta[][]): Promise<StreamDelta[]> => {
    const out: StreamDelta[] = [];
    for await (const batch of alignAfter(sent, batches(list))) out.push(...batch);
    return out;
  };

  it('yields only what follows the text already sent, whatever the chunking', async () => {
    const out = await collect('Hello wor', [[{ role: 'assistant' }, { text: 'Hel' }], [{ text: 'lo w' }, { text: 'orld' }], [{ text: '!' }, { finishReason: 'stop' }]]);
    expect(out).toEqual([{ text: 'ld' }, { text: '!' }, { finishReason: 'stop' }]);
  });

  it('passes a finish that arrives exactly at the end of the sent text', async () => {
    expect(await collect('abc', [[{ text: 'abc', finishReason: 'stop' }]])).toEqual([{ finishReason: 'stop' }]);
  });

  it('fails a replacement that says something else or ends early', async () => {
    await expect(collect('Hello world', [[{ text: 'Hello there' }]])).rejects.toMatchObject({ code: 'invalid_answer', detail: expect.stringMatching(/answered differently/) });
    await expect(collect('Hello world', [[{ text: 'Hello' }]])).rejects.toMatchObject({ detail: expect.stringMatching(/ended before/) });
    await expect(collect('Hello', [[{ toolCalls: [{ index: 0 }] }]])).rejects.toMatchObject({ detail: expect.stringMatching(/answered differently/) });
  });
});

describe('per-request fan-out overrides', () => {
  const base: FanoutPolicy = { strategy: 'hedge', k: 2, maxK: 4, retries: 1, hedge: { quantile: 0.9, minDelayMs: 1, maxDelayMs: 10, defaultDelayMs: 5 }, collectMs: 10 };
  it('accepts a known strategy and a k within bounds, and names the header otherwise', () => {
    expect(resolvePolicy(base, 'RACE', '3')).toMatchObject({ strategy: 'race', k: 3 });
    expect(resolvePolicy(base, undefined, undefined)).toBe(base);
    expect(() => resolvePolicy(base, 'fastest', undefined)).toThrow(GatewayError);
    expect(() => resolvePolicy(base, undefined, '9')).toThrow(expect.objectContaining({ param: 'x-taogate-k', status: 400 }));
  });
});
