import { describe, expect, it } from 'vitest';
import { parseInferenceRequest } from '../src/openai/request.js';
import { requestJson } from '../src/transport/openaiTransport.js';

/** What the transport used to send: the client's parameters spread, then model, stream, stream_options. */
function spread(params: Record<string, unknown>, model: string, streaming: boolean): string {
  const payload: Record<string, unknown> = { ...params, model, stream: streaming };
  if (streaming) payload.stream_options = { include_usage: true };
  return JSON.stringify(payload);
}

describe('the body a miner gets', () => {
  const bodies = [
    { model: 'm', messages: [{ role: 'user', content: 'hi "there"\n' }] },
    { model: 'm', stream: true, stream_options: { include_usage: false }, temperature: 0, seed: 7, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'ünïcødé 🚀' }], stop: ['\n\n'], max_tokens: 12 },
    { model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }], tool_choice: 'auto', response_format: { type: 'json_object' } },
  ];

  it('is the client parameters, then the upstream model and the stream flag, byte for byte as a spread object serialises', () => {
    for (const body of bodies) {
      const request = parseInferenceRequest('chat', body);
      for (const streaming of [false, true]) {
        for (const upstream of ['m', 'org/Model-7B "q"']) {
          expect(requestJson(request, upstream, streaming)).toBe(spread(request.params, upstream, streaming));
          expect(JSON.parse(requestJson(request, upstream, streaming))).toMatchObject({ model: upstream, stream: streaming });
        }
      }
    }
  });

  it('works for completions without any parameter beyond the prompt, and never carries the client stream options', () => {
    const request = parseInferenceRequest('completions', { model: 'm', prompt: 'p', stream: true, stream_options: { include_usage: false } });
    expect(requestJson(request, 'm', true)).toBe('{"prompt":"p","model":"m","stream":true,"stream_options":{"include_usage":true}}');
    const bare = { ...request, params: {} };
    expect(requestJson(bare, 'm', false)).toBe('{"model":"m","stream":false}');
  });
});
