import { describe, expect, it } from 'vitest';
import { renderCompletion, renderCompletionJson, type ResponseIdentity } from '../src/openai/render.js';
import type { Answer } from '../src/openai/types.js';

const answers: Answer[] = [
  { endpoint: 'chat', text: 'Hello "world" \\ ünïcødé \n', finishReason: 'stop', usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } },
  { endpoint: 'chat', text: '', finishReason: 'tool_calls', toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }], reasoning: 'because', refusal: 'no' },
  { endpoint: 'completions', text: 'once upon a time', finishReason: 'length', logprobs: { tokens: ['once'], token_logprobs: [-0.1] } },
];
const identities: ResponseIdentity[] = [
  { id: 'chatcmpl-0123456789abcdef', created: 1_795_000_000, model: 'bench' },
  { id: 'cmpl-fedcba', created: 1_795_000_123, model: 'org/model "quoted"' },
];

describe('renderCompletionJson', () => {
  it('reusing the serialised answer still gives exactly JSON.stringify(renderCompletion(...))', () => {
    for (const answer of answers) {
      for (const identity of identities) {
        const expected = JSON.stringify(renderCompletion(answer, identity));
        // Reused: the first call stores the answer's part, later calls (other identities) use it.
        expect(renderCompletionJson(answer, identity, true)).toBe(expected);
        expect(renderCompletionJson(answer, identity, true)).toBe(expected);
      }
    }
  });

  it('writes the OpenAI object with the identity first, in a fixed key order', () => {
    expect(renderCompletionJson(answers[2]!, identities[1]!, true)).toBe(
      '{"id":"cmpl-fedcba","object":"text_completion","created":1795000123,"model":"org/model \\"quoted\\"",'
      + '"choices":[{"index":0,"text":"once upon a time","logprobs":{"tokens":["once"],"token_logprobs":[-0.1]},"finish_reason":"length"}],'
      + '"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}',
    );
  });

  it('gives every response its own identity when the answer part is reused', () => {
    const answer = answers[0]!;
    const first = JSON.parse(renderCompletionJson(answer, identities[0]!, true)) as { id: string; model: string; created: number };
    const second = JSON.parse(renderCompletionJson(answer, identities[1]!, true)) as { id: string; model: string; created: number };
    expect([first.id, first.model, first.created]).toEqual([identities[0]!.id, identities[0]!.model, identities[0]!.created]);
    expect([second.id, second.model, second.created]).toEqual([identities[1]!.id, identities[1]!.model, identities[1]!.created]);
  });
});
