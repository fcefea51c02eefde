import { randomUUID } from 'node:crypto';
import type { Answer, Endpoint, StreamDelta, Usage } from './types.js';

/** What every object sent to a client carries: the gateway's id, time and public model name. */
export interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
}

/** A fresh identity for one client response (ids look like OpenAI's). */
export function newResponseIdentity(endpoint: Endpoint, model: string, nowMs: number): ResponseIdentity {
  const prefix = endpoint === 'chat' ? 'chatcmpl-' : 'cmpl-';
  return { id: prefix + randomUUID().replaceAll('-', ''), created: Math.floor(nowMs / 1000), model };
}

/** The `chat.completion` / `text_completion` object for a whole answer. */
export function renderCompletion(answer: Answer, identity: ResponseIdentity): Record<string, unknown> {
  const usage = answer.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  if (answer.endpoint === 'completions') {
    return {
      id: identity.id, object: 'text_completion', created: identity.created, model: identity.model,
      choices: [{ index: 0, text: answer.text, logprobs: answer.logprobs ?? null, finish_reason: answer.finishReason }],
      usage,
    };
  }
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: answer.toolCalls !== undefined && answer.text.length === 0 ? null : answer.text,
    refusal: answer.refusal ?? null,
  };
  if (answer.toolCalls !== undefined) message.tool_calls = answer.toolCalls;
  if (answer.reasoning !== undefined) message.reasoning_content = answer.reasoning;
  return {
    id: identity.id, object: 'chat.completion', created: identity.created, model: identity.model,
    choices: [{ index: 0, message, logprobs: answer.logprobs ?? null, finish_reason: answer.finishReason }],
    usage,
  };
}

/**
 * `renderCompletion` as JSON text. The part after the identity (choices, usage) depends on the
 * answer alone: with `reuse`, it is serialised once per answer object and kept while the
 * answer lives, so a cache hit (the same stored answer, a new id each time) only writes the
 * few identity fields.
 */
export function renderCompletionJson(answer: Answer, identity: ResponseIdentity, reuse = false): string {
  if (!reuse) return JSON.stringify(renderCompletion(answer, identity));
  let tail = answerTails.get(answer);
  if (tail === undefined) {
    tail = JSON.stringify(renderCompletion(answer, BLANK_IDENTITY)).slice(identityHead(answer, BLANK_IDENTITY).length);
    answerTails.set(answer, tail);
  }
  return identityHead(answer, identity) + tail;
}

const answerTails = new WeakMap<Answer, string>();
const BLANK_IDENTITY: ResponseIdentity = { id: '', created: 0, model: '' };

/** The start of a rendered completion, up to and including the model (renderCompletion's key order). */
function identityHead(answer: Answer, identity: ResponseIdentity): string {
  const object = answer.endpoint === 'completions' ? 'text_completion' : 'chat.completion';
  return `{"id":${JSON.stringify(identity.id)},"object":"${object}","created":${identity.created},"model":${JSON.stringify(identity.model)}`;
}

/** One client stream chunk for a delta (usage is sent separately, see renderUsageChunk). */
export function renderChunk(endpoint: Endpoint, delta: StreamDelta, identity: ResponseIdentity): Record<string, unknown> {
  if (endpoint === 'completions') {
    return {
      id: identity.id, object: 'text_completion', created: identity.created, model: identity.model,
      choices: [{ index: 0, text: delta.text ?? '', logprobs: delta.logprobs ?? null, finish_reason: delta.finishReason ?? null }],
    };
  }
  const d: Record<string, unknown> = {};
  if (delta.role !== undefined) d.role = delta.role;
  // OpenAI's first chunk carries the role with empty content; some clients expect the field.
  if (delta.text !== undefined || delta.role !== undefined) d.content = delta.text ?? '';
  if (delta.reasoning !== undefined) d.reasoning_content = delta.reasoning;
  if (delta.toolCalls !== undefined) d.tool_calls = delta.toolCalls;
  if (delta.refusal !== undefined) d.refusal = delta.refusal;
  return {
    id: identity.id, object: 'chat.completion.chunk', created: identity.created, model: identity.model,
    choices: [{ index: 0, delta: d, logprobs: delta.logprobs ?? null, finish_reason: delta.finishReason ?? null }],
  };
}

/** The final `choices: []` chunk carrying usage, sent when the client set include_usage. */
export function renderUsageChunk(endpoint: Endpoint, usage: Usage, identity: ResponseIdentity): Record<string, unknown> {
  return {
    id: identity.id,
    object: endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: identity.created, model: identity.model, choices: [], usage,
  };
}

/** A whole answer as the deltas of a stream (cache replays, answers chosen after collection). */
export function answerToDeltas(answer: Answer): StreamDelta[] {
  const deltas: StreamDelta[] = [];
  if (answer.endpoint === 'chat') deltas.push({ role: 'assistant', text: '' });
  if (answer.reasoning !== undefined) deltas.push({ reasoning: answer.reasoning });
  if (answer.text.length > 0) deltas.push({ text: answer.text });
  if (answer.toolCalls !== undefined) {
    deltas.push({
      toolCalls: answer.toolCalls.map((call, index) => ({ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } })),
    });
  }
  if (answer.refusal !== undefined) deltas.push({ refusal: answer.refusal });
  deltas.push({ finishReason: answer.finishReason ?? 'stop' });
  return deltas;
}

/**
 * A stream's chunks as JSON text, the same text `JSON.stringify(renderChunk(...))` gives,
 * built from a template: the id, object, created and model are serialised once per stream,
 * and only each delta is serialised per chunk (this runs on every token).
 */
export class ChunkWriter {
  readonly #endpoint: Endpoint;
  readonly #identity: ResponseIdentity;
  readonly #prefix: string;

  constructor(endpoint: Endpoint, identity: ResponseIdentity) {
    this.#endpoint = endpoint;
    this.#identity = identity;
    const object = endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    this.#prefix = `{"id":${JSON.stringify(identity.id)},"object":"${object}","created":${identity.created},"model":${JSON.stringify(identity.model)},"choices":[{"index":0,`;
  }

  delta(delta: StreamDelta): string {
    const logprobs = delta.logprobs === undefined ? 'null' : JSON.stringify(delta.logprobs);
    const finish = delta.finishReason === undefined ? 'null' : `"${delta.finishReason}"`;
    if (this.#endpoint === 'completions') {
      return `${this.#prefix}"text":${JSON.stringify(delta.text ?? '')},"logprobs":${logprobs},"finish_reason":${finish}}]}`;
    }
    const onlyText = delta.role === undefined && delta.reasoning === undefined && delta.toolCalls === undefined && delta.refusal === undefined;
    const body = onlyText && delta.text !== undefined
      ? `{"content":${JSON.stringify(delta.text)}}`
      : JSON.stringify((renderChunk('chat', delta, IDENTITY_UNUSED).choices as Array<{ delta: unknown }>)[0]!.delta);
    return `${this.#prefix}"delta":${body},"logprobs":${logprobs},"finish_reason":${finish}}]}`;
  }

  /** The final usage chunk (see renderUsageChunk), once per stream. */
  usage(usage: Usage): string {
    return JSON.stringify(renderUsageChunk(this.#endpoint, usage, this.#identity));
  }
}

const IDENTITY_UNUSED: ResponseIdentity = { id: '', created: 0, model: '' };
