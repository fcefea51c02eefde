import type { Answer, Endpoint, FinishReason, StreamDelta, ToolCall, ToolCallDelta, Usage } from './types.js';

/**
 * Sanitising of what miners send back. Miners are untrusted: only known fields are read,
 * each is type-checked, and anything else is dropped. A shape that cannot be an answer
 * throws MalformedOutputError; the transport turns that into a `bad_response` failure.
 */
export class MalformedOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedOutputError';
  }
}

/** An `{"error": ...}` object a miner sent instead of (or inside) an answer. */
export class MinerReportedError extends Error {
  /** The miner's error code, when it is one of a few well-known strings (never free text). */
  readonly knownCode: 'context_length_exceeded' | undefined;
  constructor(knownCode: 'context_length_exceeded' | undefined) {
    super(knownCode ?? 'miner reported an error');
    this.name = 'MinerReportedError';
    this.knownCode = knownCode;
  }
}

const FINISH_REASONS: ReadonlySet<string> = new Set(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new MalformedOutputError(message);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(`${field} is not a string`);
  return value;
}

function finishReason(value: unknown): FinishReason | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !FINISH_REASONS.has(value)) fail('unknown finish_reason');
  return value as FinishReason;
}

function usage(value: unknown): Usage | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) fail('usage is not an object');
  const count = (v: unknown): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail('usage counts must be non-negative integers'));
  const prompt = count(value.prompt_tokens ?? 0);
  const completion = count(value.completion_tokens ?? 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** `{"error": {...}}` from a miner: only a recognised code survives, never its message. */
function rejectIfError(raw: Record<string, unknown>): void {
  if (raw.error === undefined || raw.error === null) return;
  const error = raw.error;
  const text = isObject(error) ? `${String(error.code ?? '')} ${String(error.type ?? '')} ${String(error.message ?? '')}` : String(error);
  throw new MinerReportedError(isContextLengthError(text) ? 'context_length_exceeded' : undefined);
}

/** vLLM, llama.cpp, Ollama and OpenAI phrase this differently; all mean "prompt too long". */
export function isContextLengthError(text: string): boolean {
  return /context_length_exceeded|maximum context length|context length|context window|too many tokens|exceeds the context/i.test(text);
}

function firstChoice(raw: Record<string, unknown>, allowEmpty: boolean): Record<string, unknown> | undefined {
  const choices = raw.choices;
  if (!Array.isArray(choices)) fail('choices is not an array');
  if (choices.length === 0) return allowEmpty ? undefined : fail('choices is empty');
  const choice = choices.find((c) => isObject(c) && (c.index === 0 || c.index === undefined)) ?? choices[0];
  if (!isObject(choice)) fail('choice is not an object');
  return choice;
}

function toolCalls(value: unknown): ToolCall[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) fail('tool_calls is not an array');
  return value.map((call, i) => {
    if (!isObject(call) || !isObject(call.function)) fail('tool call is not an object');
    const name = optionalString(call.function.name, 'tool call name') ?? fail('tool call has no name');
    const args = optionalString(call.function.arguments, 'tool call arguments') ?? '';
    const id = optionalString(call.id, 'tool call id') ?? `call_${i}`;
    return { id, type: 'function', function: { name, arguments: args } };
  });
}

function toolCallDeltas(value: unknown): ToolCallDelta[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) fail('tool_calls is not an array');
  return value.map((call) => {
    if (!isObject(call)) fail('tool call delta is not an object');
    if (!Number.isSafeInteger(call.index) || (call.index as number) < 0 || (call.index as number) > 127) fail('tool call delta has a bad index');
    const delta: ToolCallDelta = { index: call.index as number };
    const id = optionalString(call.id, 'tool call id');
    if (id !== undefined) delta.id = id;
    if (call.type !== undefined && call.type !== null) delta.type = 'function';
    if (isObject(call.function)) {
      const name = optionalString(call.function.name, 'tool call name');
      const args = optionalString(call.function.arguments, 'tool call arguments');
      delta.function = {};
      if (name !== undefined) delta.function.name = name;
      if (args !== undefined) delta.function.arguments = args;
    }
    return delta;
  });
}

/** A whole non-streamed answer (`chat.completion` or `text_completion`). */
export function answerFromCompletion(endpoint: Endpoint, raw: unknown): Answer {
  if (!isObject(raw)) fail('answer is not a JSON object');
  rejectIfError(raw);
  const choice = firstChoice(raw, false)!;
  const answer: Answer = { endpoint, text: '', finishReason: finishReason(choice.finish_reason) ?? null };
  if (endpoint === 'chat') {
    const message = choice.message;
    if (!isObject(message)) fail('choice has no message');
    answer.text = optionalString(message.content, 'content') ?? '';
    const reasoning = optionalString(message.reasoning_content ?? message.reasoning, 'reasoning_content');
    if (reasoning !== undefined) answer.reasoning = reasoning;
    const calls = toolCalls(message.tool_calls);
    if (calls !== undefined && calls.length > 0) answer.toolCalls = calls;
    const refusal = optionalString(message.refusal, 'refusal');
    if (refusal !== undefined) answer.refusal = refusal;
  } else {
    answer.text = optionalString(choice.text, 'text') ?? fail('choice has no text');
  }
  if (isObject(choice.logprobs)) answer.logprobs = choice.logprobs;
  const u = usage(raw.usage);
  if (u !== undefined) answer.usage = u;
  return answer;
}

/** One streamed chunk (`chat.completion.chunk` or a streamed `text_completion`). */
export function deltaFromChunk(endpoint: Endpoint, raw: unknown): StreamDelta {
  if (!isObject(raw)) fail('chunk is not a JSON object');
  rejectIfError(raw);
  const delta: StreamDelta = {};
  const choice = firstChoice(raw, true);
  if (choice !== undefined) {
    if (endpoint === 'chat') {
      const d = choice.delta ?? {};
      if (!isObject(d)) fail('delta is not an object');
      if (d.role === 'assistant') delta.role = 'assistant';
      const text = optionalString(d.content, 'content');
      if (text !== undefined && text.length > 0) delta.text = text;
      const reasoning = optionalString(d.reasoning_content ?? d.reasoning, 'reasoning_content');
      if (reasoning !== undefined && reasoning.length > 0) delta.reasoning = reasoning;
      const calls = toolCallDeltas(d.tool_calls);
      if (calls !== undefined && calls.length > 0) delta.toolCalls = calls;
      const refusal = optionalString(d.refusal, 'refusal');
      if (refusal !== undefined && refusal.length > 0) delta.refusal = refusal;
    } else {
      const text = optionalString(choice.text, 'text');
      if (text !== undefined && text.length > 0) delta.text = text;
    }
    const reason = finishReason(choice.finish_reason);
    if (reason !== undefined) delta.finishReason = reason;
    if (isObject(choice.logprobs)) delta.logprobs = choice.logprobs;
  }
  const u = usage(raw.usage);
  if (u !== undefined) delta.usage = u;
  return delta;
}

/** True when a delta carries part of the answer itself (not just a role or usage). */
export function hasContent(delta: StreamDelta): boolean {
  return delta.text !== undefined || delta.toolCalls !== undefined || delta.reasoning !== undefined || delta.refusal !== undefined;
}
