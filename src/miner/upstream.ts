import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import { SseParser } from '../transport/sseParser.js';

/** The OpenAI-compatible server a miner fronts (vLLM, Ollama, llama.cpp, ...). */
export interface UpstreamOptions {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:8000/v1`. */
  url: string;
  /** Model name sent upstream; default: the request's own `model`. Axon synapses carry none, so they need it. */
  model?: string;
}

const MAX_LINE_BYTES = 1024 * 1024;

function endpointUrl(upstream: UpstreamOptions, path: string): string {
  return `${upstream.url.replace(/\/+$/, '')}/${path}`;
}

/**
 * Forwards a verified OpenAI request and relays the upstream answer as is (status,
 * content type, body; streams pass through chunk by chunk). The body bytes are forwarded
 * untouched unless the model name must be rewritten.
 */
export async function forwardToUpstream(upstream: UpstreamOptions, path: 'chat/completions' | 'completions', body: Buffer, parsed: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const payload = upstream.model === undefined ? body : Buffer.from(JSON.stringify({ ...parsed, model: upstream.model }));
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(endpointUrl(upstream, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: parsed.stream === true ? 'text/event-stream' : 'application/json' },
      body: payload,
      signal: controller.signal,
    });
  } catch {
    if (!res.headersSent) sendUpstreamDown(res);
    return;
  }
  const contentType = response.headers['content-type'];
  res.writeHead(response.statusCode, { 'content-type': typeof contentType === 'string' ? contentType : 'application/json', 'cache-control': 'no-cache' });
  try {
    await pipeline(response.body, res);
  } catch {
    // Upstream died mid-answer: cut our connection too, so the caller sees a truncated answer.
    res.destroy();
  }
}

/** Asks upstream for a streamed chat completion and yields its text as it arrives. */
export async function* upstreamChatText(upstream: UpstreamOptions, messages: Array<{ role: string; content: string }>, signal: AbortSignal): AsyncGenerator<string> {
  const response = await request(endpointUrl(upstream, 'chat/completions'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ model: upstream.model ?? 'default', messages, stream: true }),
    signal,
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`upstream answered ${response.statusCode}`);
  }
  const parser = new SseParser(MAX_LINE_BYTES);
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    for (const data of parser.push(chunk)) {
      if (data === '[DONE]') return;
      const event = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> };
      const text = event.choices?.[0]?.delta?.content;
      if (typeof text === 'string' && text.length > 0) yield text;
    }
  }
  throw new Error('upstream stream ended without [DONE]');
}

function sendUpstreamDown(res: ServerResponse): void {
  const body = JSON.stringify({ error: { message: 'upstream model server unavailable', type: 'miner_error', code: 502 }, message: 'upstream model server unavailable' });
  res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
