import { describe, expect, it } from 'vitest';
import { ChunkWriter, newResponseIdentity, renderChunk } from '../src/openai/render.js';
import type { StreamDelta } from '../src/openai/types.js';

describe('stream chunks written from a template', () => {
  const deltas: StreamDelta[] = [
    { role: 'assistant' },
    { role: 'assistant', text: '' },
    { text: 'Hello "world" \\ \u2028 é 🌍\n' },
    { reasoning: 'thinking' },
    { toolCalls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
    { refusal: 'no' },
    { finishReason: 'stop' },
    { text: 'x', logprobs: { content: [{ token: 'x', logprob: -0.1 }] } },
  ];
  for (const endpoint of ['chat', 'completions'] as const) {
    it(`gives exactly the JSON of the rendered object (${endpoint})`, () => {
      const identity = newResponseIdentity(endpoint, 'sn1/"quoted"-model', Date.now());
      const writer = new ChunkWriter(endpoint, identity);
      for (const delta of deltas) {
        expect(writer.delta(delta)).toBe(JSON.stringify(renderChunk(endpoint, delta, identity)));
      }
    });
  }
});
