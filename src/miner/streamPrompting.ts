import type { ServerResponse } from 'node:http';
import { generateAnswer } from './textGenerator.js';
import { promptOf } from './promptText.js';
import { upstreamChatText, type UpstreamOptions } from './upstream.js';

/** SN1's streaming synapse, as the miner serves it (PROTOCOLS.md §3). */
export const STREAM_PROMPTING = { name: 'StreamPromptingSynapse', hashFields: ['messages'] } as const;

/** The conversation of a StreamPromptingSynapse: parallel `roles` and `messages` lists. */
export type Turns = Array<{ role: string; content: string }>;

/** The turns of a synapse body, or null when it is not a valid StreamPromptingSynapse. */
export function streamPromptingTurns(synapse: Record<string, unknown>): Turns | null {
  const { roles, messages } = synapse;
  const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');
  if (!strings(roles) || !strings(messages) || roles.length !== messages.length || roles.length === 0) return null;
  return roles.map((role, i) => ({ role, content: messages[i]! }));
}

export interface StreamPromptingOptions {
  upstream?: UpstreamOptions;
  tokenDelayMs: number;
  answerWords: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answers as SN1 miners do: 200 `text/event-stream` carrying raw UTF-8 text, no framing; the
 * response ending is the end of the answer. A failing upstream cuts the connection, so the
 * caller sees a truncated answer rather than a short one.
 */
export async function writeStreamPrompting(res: ServerResponse, turns: Turns, options: StreamPromptingOptions): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (options.upstream === undefined) {
    const { tokens } = generateAnswer({ prompt: promptOf({ messages: turns }), answerWords: options.answerWords });
    for (const token of tokens) {
      if (res.destroyed) return;
      if (options.tokenDelayMs > 0) await sleep(options.tokenDelayMs);
      res.write(token);
    }
    res.end();
    return;
  }
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  try {
    for await (const text of upstreamChatText(options.upstream, turns, controller.signal)) res.write(text);
    res.end();
  } catch {
    res.destroy();
  }
}
