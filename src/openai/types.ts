/**
 * The gateway's own view of an answer, independent of which miner protocol produced it.
 * Miner output is sanitised into these shapes (unknown fields dropped), and clients only
 * ever receive objects rendered from them.
 */

export type Endpoint = 'chat' | 'completions';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A validated client request, ready to be sent to miners. */
export interface InferenceRequest {
  endpoint: Endpoint;
  /** The public model name the client asked for. */
  model: string;
  stream: boolean;
  /** `stream_options.include_usage`: send a final usage chunk. */
  includeUsage: boolean;
  /** Client parameters passed to miners (everything but model, stream and stream_options). */
  params: Readonly<Record<string, unknown>>;
}

/** A complete answer from one miner. */
export interface Answer {
  endpoint: Endpoint;
  /** Chat `message.content` or completion `text`. */
  text: string;
  /** Reasoning text some models stream beside the answer (`reasoning_content`). */
  reasoning?: string;
  toolCalls?: ToolCall[];
  refusal?: string;
  finishReason: FinishReason | null;
  /** Passed through when the client asked for logprobs; shape checked loosely. */
  logprobs?: unknown;
  usage?: Usage;
}

/** One tool-call fragment of a chat stream. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** One step of a miner's stream, sanitised. */
export interface StreamDelta {
  role?: 'assistant';
  text?: string;
  reasoning?: string;
  toolCalls?: ToolCallDelta[];
  refusal?: string;
  finishReason?: FinishReason;
  logprobs?: unknown;
  usage?: Usage;
}
