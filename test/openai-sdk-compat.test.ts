import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFor } from '../src/miner/referenceMiner.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/** The text a healthy reference miner writes for this chat request (what clients must get). */
function expectedChatText(body: Record<string, unknown>): string {
  return answerFor('chat', { model: TEST_MODEL, ...body }).pieces.join('');
}

describe('the official OpenAI client against taogate', () => {
  let miners: ScriptedMiner[];
  let gw: TestGateway;
  const messages = [{ role: 'user' as const, content: 'What is a subnet?' }];

  beforeAll(async () => {
    miners = await Promise.all([1, 2].map((uid) => startScriptedMiner(uid)));
    gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel(miners) } });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all(miners.map((m) => m.close()));
  });

  it('answers a chat completion', async () => {
    const { data, response } = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, temperature: 0.2 }).withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe(TEST_MODEL);
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]!.message.content).toBe(expectedChatText({ messages }));
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.completion_tokens).toBe(24);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(['1', '2']).toContain(response.headers.get('x-taogate-miner-uid'));
    expect(response.headers.get('x-taogate-miners-asked')).toBe('1');
  });

  it('passes supported parameters through to the miner, with the model name rewritten', async () => {
    const before = miners.reduce((n, m) => n + m.requests.length, 0);
    await gw.client.chat.completions.create({
      model: TEST_MODEL, messages, temperature: 0, top_p: 0.9, max_tokens: 5, stop: ['zzz'], seed: 7, user: 'u-1',
      response_format: { type: 'text' }, logprobs: false,
    });
    const all = miners.flatMap((m) => m.requests);
    expect(all.length).toBe(before + 1);
    const sent = all[all.length - 1]!.body;
    expect(sent).toMatchObject({ model: TEST_MODEL, temperature: 0, top_p: 0.9, max_tokens: 5, stop: ['zzz'], seed: 7, user: 'u-1', stream: false, logprobs: false });
  });

  it('honours max_tokens with finish_reason length', async () => {
    const reply = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, max_tokens: 3 });
    expect(reply.choices[0]!.finish_reason).toBe('length');
    expect(reply.usage!.completion_tokens).toBe(3);
  });

  it('streams a chat completion as clean SSE with a final usage chunk', async () => {
    const stream = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const finishReasons: Array<string | null> = [];
    let usage: OpenAI.CompletionUsage | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.model).toBe(TEST_MODEL);
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        finishReasons.push(choice.finish_reason);
      }
    }
    expect(text).toBe(expectedChatText({ messages }));
    expect(finishReasons.filter((r) => r !== null)).toEqual(['stop']);
    expect(finishReasons[finishReasons.length - 1]).toBe('stop');
    // The miner counts words of 'user: What is a subnet?' as prompt tokens.
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 24, total_tokens: 29 });
    expect(ids.size).toBe(1);
  });

  it('streams without a usage chunk when the client did not ask for one', async () => {
    const stream = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, stream: true });
    let sawUsage = false;
    for await (const chunk of stream) if (chunk.usage) sawUsage = true;
    expect(sawUsage).toBe(false);
  });

  it('answers legacy completions, streamed and not', async () => {
    const prompt = 'Once upon a time';
    const expected = answerFor('completions', { model: TEST_MODEL, prompt }).pieces.join('');
    const whole = await gw.client.completions.create({ model: TEST_MODEL, prompt });
    expect(whole.object).toBe('text_completion');
    expect(whole.choices[0]!.text).toBe(expected);
    expect(whole.choices[0]!.finish_reason).toBe('stop');
    const stream = await gw.client.completions.create({ model: TEST_MODEL, prompt, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.text;
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    expect(text).toBe(expected);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(24);
  });

  it('lists and retrieves models', async () => {
    const list = await gw.client.models.list();
    expect(list.data.map((m) => m.id)).toEqual([TEST_MODEL]);
    const model = await gw.client.models.retrieve(TEST_MODEL);
    expect(model).toMatchObject({ id: TEST_MODEL, object: 'model', owned_by: 'taogate' });
  });

  it('surfaces errors as APIError with status, code and param', async () => {
    const unknown = await gw.client.chat.completions.create({ model: 'no-such-model', messages }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(APIError);
    expect((unknown as APIError).status).toBe(404);
    expect((unknown as APIError).code).toBe('model_not_found');
    expect((unknown as APIError).param).toBe('model');

    const nTwo = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, n: 2 }).catch((e: unknown) => e);
    expect((nTwo as APIError).status).toBe(400);
    expect((nTwo as APIError).param).toBe('n');
    expect((nTwo as APIError).message).toContain("'n'");

    const badRole = await gw.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'wizard', content: 'x' } as never] }).catch((e: unknown) => e);
    expect((badRole as APIError).status).toBe(400);
    expect((badRole as APIError).param).toBe('messages[0].role');

    const noModel = await gw.client.models.retrieve('nope').catch((e: unknown) => e);
    expect((noModel as APIError).status).toBe(404);
  });

  it('refuses unsupported parameters by name instead of dropping them', async () => {
    const error = await gw.client.chat.completions.create({ model: TEST_MODEL, messages, modalities: ['audio'] } as never).catch((e: unknown) => e);
    expect((error as APIError).status).toBe(400);
    expect((error as APIError).param).toBe('modalities');
    expect((error as APIError).code).toBe('unsupported_parameter');
  });
});
