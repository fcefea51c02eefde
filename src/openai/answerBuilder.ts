import type { Answer, Endpoint, StreamDelta, ToolCall } from './types.js';

/** Folds a stream's deltas into the complete answer (for validation, caching and telemetry). */
export class AnswerBuilder {
  readonly #endpoint: Endpoint;
  #text = '';
  #reasoning = '';
  #refusal = '';
  #toolCalls: Array<{ id?: string; name: string; arguments: string }> = [];
  #finishReason: Answer['finishReason'] = null;
  #usage: Answer['usage'];
  #logprobs: unknown[] = [];

  constructor(endpoint: Endpoint) {
    this.#endpoint = endpoint;
  }

  get text(): string {
    return this.#text;
  }

  push(delta: StreamDelta): void {
    if (delta.text !== undefined) this.#text += delta.text;
    if (delta.reasoning !== undefined) this.#reasoning += delta.reasoning;
    if (delta.refusal !== undefined) this.#refusal += delta.refusal;
    if (delta.toolCalls !== undefined) {
      for (const call of delta.toolCalls) {
        const slot = (this.#toolCalls[call.index] ??= { name: '', arguments: '' });
        if (call.id !== undefined) slot.id = call.id;
        if (call.function?.name !== undefined) slot.name += call.function.name;
        if (call.function?.arguments !== undefined) slot.arguments += call.function.arguments;
      }
    }
    if (delta.finishReason !== undefined) this.#finishReason = delta.finishReason;
    if (delta.usage !== undefined) this.#usage = delta.usage;
    if (delta.logprobs !== undefined) this.#logprobs.push(delta.logprobs);
  }

  build(): Answer {
    const answer: Answer = { endpoint: this.#endpoint, text: this.#text, finishReason: this.#finishReason };
    if (this.#reasoning.length > 0) answer.reasoning = this.#reasoning;
    if (this.#refusal.length > 0) answer.refusal = this.#refusal;
    const calls: ToolCall[] = this.#toolCalls
      .filter((c) => c !== undefined)
      .map((c, i) => ({ id: c.id ?? `call_${i}`, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    if (calls.length > 0) answer.toolCalls = calls;
    if (this.#usage !== undefined) answer.usage = this.#usage;
    if (this.#logprobs.length > 0) answer.logprobs = mergeLogprobs(this.#logprobs);
    return answer;
  }
}

/** Chat logprobs arrive as `{content: [...]}` per chunk; completions as parallel arrays. */
function mergeLogprobs(parts: unknown[]): unknown {
  const content: unknown[] = [];
  for (const part of parts) {
    const list = (part as { content?: unknown }).content;
    if (Array.isArray(list)) content.push(...list);
  }
  return content.length > 0 ? { content, refusal: null } : parts[parts.length - 1];
}
