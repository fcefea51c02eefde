import { sseEvents } from './contract.js';
import { TEST_MODEL } from './gatewayHarness.js';

/** A chat request to a gateway over plain fetch: status, headers and the parsed JSON (or SSE events). */
export async function postChat(url: string, body: Record<string, unknown> | string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: Record<string, any>; text: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify({ model: TEST_MODEL, ...body }),
  });
  const text = await response.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch { /* an SSE body */ }
  return { status: response.status, headers: response.headers, json, text };
}

/** The text of a chat answer: whole (`message.content`) or streamed (the deltas of an SSE body, which must end with [DONE]). */
export function chatText(reply: { json: Record<string, any>; text: string }): string {
  if (reply.json.choices !== undefined) return reply.json.choices[0].message.content as string;
  const events = sseEvents(reply.text);
  if (events[events.length - 1] !== '[DONE]') throw new Error(`stream did not end with [DONE]: ${reply.text.slice(-200)}`);
  return events.slice(0, -1).map((e) => JSON.parse(e) as { choices: Array<{ delta: { content?: string } }> })
    .map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
}

/** A deterministic (cacheable) chat body about `topic`. */
export function deterministic(topic: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { temperature: 0, messages: [{ role: 'user', content: `Tell me about ${topic}` }], ...extra };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
