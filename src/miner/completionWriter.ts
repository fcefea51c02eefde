import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

/** What a miner produced for one request, ready to write as JSON or SSE. */
export interface MinerAnswer {
  endpoint: 'chat' | 'completions';
  model: string;
  /** Text pieces in order (one SSE chunk each). */
  pieces: string[];
  toolCall?: { name: string; arguments: string };
  finishReason: 'stop' | 'length' | 'tool_calls';
  promptTokens: number;
  completionTokens: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A whole `chat.completion` / `text_completion` answer. */
export function writeJsonAnswer(res: ServerResponse, answer: MinerAnswer): void {
  const text = answer.pieces.join('');
  const usage = { prompt_tokens: answer.promptTokens, completion_tokens: answer.completionTokens, total_tokens: answer.promptTokens + answer.completionTokens };
  const created = Math.floor(Date.now() / 1000);
  const body = answer.endpoint === 'chat'
    ? {
      id: `chatcmpl-${randomUUID()}`, object: 'chat.completion', created, model: answer.model,
      choices: [{
        index: 0,
        message: {
          role: 'assistant',
          content: answer.toolCall === undefined ? text : null,
          ...(answer.toolCall === undefined ? {} : { tool_calls: [{ id: 'call_0', type: 'function', function: answer.toolCall }] }),
        },
        logprobs: null,
        finish_reason: answer.finishReason,
      }],
      usage,
    }
    : {
      id: `cmpl-${randomUUID()}`, object: 'text_completion', created, model: answer.model,
      choices: [{ index: 0, text, logprobs: null, finish_reason: answer.finishReason }], usage,
    };
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

/** The answer as an OpenAI SSE stream, one piece per event, `tokenDelayMs` apart. */
export async function writeStreamAnswer(res: ServerResponse, answer: MinerAnswer, tokenDelayMs: number, includeUsage: boolean): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const id = answer.endpoint === 'chat' ? `chatcmpl-${randomUUID()}` : `cmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const object = answer.endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const send = (choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): void => {
    res.write(`data: ${JSON.stringify({ id, object, created, model: answer.model, choices: choice === undefined ? [] : [{ index: 0, logprobs: null, finish_reason: null, ...choice }], ...extra })}\n\n`);
  };
  const piece = (text: string): Record<string, unknown> => (answer.endpoint === 'chat' ? { delta: { content: text } } : { text });
  if (answer.endpoint === 'chat') send({ delta: { role: 'assistant', content: '' } });
  if (answer.toolCall !== undefined) {
    send({ delta: { tool_calls: [{ index: 0, id: 'call_0', type: 'function', function: { name: answer.toolCall.name, arguments: answer.toolCall.arguments } }] } });
  } else {
    for (const text of answer.pieces) {
      if (res.destroyed) return;
      if (tokenDelayMs > 0) await sleep(tokenDelayMs);
      send(piece(text));
    }
  }
  send(answer.endpoint === 'chat' ? { delta: {}, finish_reason: answer.finishReason } : { text: '', finish_reason: answer.finishReason });
  if (includeUsage) {
    send(undefined, { usage: { prompt_tokens: answer.promptTokens, completion_tokens: answer.completionTokens, total_tokens: answer.promptTokens + answer.completionTokens } });
  }
  res.end('data: [DONE]\n\n');
}
