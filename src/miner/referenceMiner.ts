import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateAnswer } from './textGenerator.js';
import { promptOf } from './promptText.js';
import { writeJsonAnswer, writeStreamAnswer, type MinerAnswer } from './completionWriter.js';
import { MinerAuth, type MinerAuthOptions, type Rejection } from './minerAuth.js';
import { STREAM_PROMPTING, streamPromptingTurns, writeStreamPrompting } from './streamPrompting.js';
import { forwardToUpstream, type UpstreamOptions } from './upstream.js';

export interface ReferenceMinerOptions {
  host?: string;
  port?: number;
  /** The model name the miner reports. */
  model?: string;
  /** ms before the first byte of each answer (a function gives per-request latencies). */
  latencyMs?: number | (() => number);
  /** ms between streamed tokens. */
  tokenDelayMs?: number;
  /** Words in a full answer. */
  answerWords?: number;
  /** Share of requests answered with a failure (503 or a reset), for a flaky miner. */
  failureRate?: number;
  random?: () => number;
  /**
   * Verify requests like a subnet miner: Epistula v2 on the OpenAI endpoints, the dendrite
   * headers on the axon synapse. Without it, requests are served unchecked (plain `openai`).
   */
  auth?: MinerAuthOptions;
  /** Also serve SN1's `StreamPromptingSynapse` at `POST /StreamPromptingSynapse`. */
  axon?: boolean;
  /** Forward to this OpenAI-compatible server instead of generating deterministic text. */
  upstream?: UpstreamOptions;
  /** Called for every refused request (for logs). */
  onRejected?: (rejection: Rejection & { path: string }) => void;
  /** Largest request body accepted. */
  maxBodyBytes?: number;
}

export interface ReferenceMinerHandle {
  url: string;
  port: number;
  /** The miner's hotkey when it verifies requests. */
  hotkey: string | undefined;
  server: Server;
  /** Requests received (including refused ones). */
  readonly requests: number;
  close(): Promise<void>;
}

const PATHS: Record<string, 'chat' | 'completions'> = { '/v1/chat/completions': 'chat', '/v1/completions': 'completions' };

/**
 * An OpenAI-compatible miner (and, optionally, an SN1 axon) that verifies signed requests and
 * answers with deterministic text or from an upstream model server. It is `taogate miner`, and
 * it serves the demo, the tests and benchmarks.
 */
export async function startReferenceMiner(options: ReferenceMinerOptions = {}): Promise<ReferenceMinerHandle> {
  const random = options.random ?? Math.random;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const auth = options.auth === undefined ? undefined : new MinerAuth(options.auth);
  const axonPath = options.axon === true ? `/${STREAM_PROMPTING.name}` : undefined;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'internal error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: options.model ?? 'reference', object: 'model', created: 0, owned_by: 'taogate' }] });
    const endpoint = path === axonPath ? 'axon' : PATHS[path];
    if (req.method !== 'POST' || endpoint === undefined) return sendError(res, 404, 'not found');
    const body = await readBody(req, maxBody);
    if (body === undefined) return sendError(res, 413, 'request too large');
    const request = parseObject(body);
    // Axons check the headers, then the parsed body's hash; Epistula signs the raw bytes.
    const rejection = endpoint === 'axon'
      ? (request === undefined ? { status: 400, message: 'synapse body is not a JSON object' } : auth?.axon(req, request, STREAM_PROMPTING.hashFields) ?? null)
      : auth?.epistula(req, body) ?? null;
    if (rejection !== null) {
      options.onRejected?.({ ...rejection, path });
      return sendError(res, rejection.status, rejection.message);
    }
    if (request === undefined) return sendError(res, 400, 'invalid JSON');
    const latency = typeof options.latencyMs === 'function' ? options.latencyMs() : (options.latencyMs ?? 0);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if ((options.failureRate ?? 0) > 0 && random() < options.failureRate!) {
      if (random() < 0.5) return sendError(res, 503, 'miner overloaded');
      res.socket?.destroy();
      return;
    }
    if (endpoint === 'axon') {
      const turns = streamPromptingTurns(request);
      if (turns === null) return sendError(res, 400, 'roles and messages must be equally long, non-empty lists of strings');
      const upstream = options.upstream === undefined ? {} : { upstream: options.upstream };
      return writeStreamPrompting(res, turns, { ...upstream, tokenDelayMs: options.tokenDelayMs ?? 0, answerWords: options.answerWords ?? 24 });
    }
    if (options.upstream !== undefined) {
      return forwardToUpstream(options.upstream, endpoint === 'chat' ? 'chat/completions' : 'completions', body, request, res);
    }
    const answer = answerFor(endpoint, request, options);
    if (request.stream === true) {
      const includeUsage = (request.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      await writeStreamAnswer(res, answer, options.tokenDelayMs ?? 0, includeUsage);
    } else {
      writeJsonAnswer(res, answer);
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    hotkey: auth?.hotkey,
    server,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The deterministic answer to a request, honouring max_tokens, stop, JSON mode and forced tool calls. */
export function answerFor(endpoint: 'chat' | 'completions', request: Record<string, unknown>, options: Pick<ReferenceMinerOptions, 'answerWords' | 'model'> = {}): MinerAnswer {
  const maxTokens = (request.max_completion_tokens ?? request.max_tokens) as number | undefined;
  const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop as string[] | undefined);
  const generated = generateAnswer({
    prompt: promptOf(request),
    answerWords: options.answerWords ?? 24,
    ...(maxTokens === undefined || maxTokens === null ? {} : { maxTokens }),
    ...(stop === undefined || stop === null ? {} : { stop }),
    ...(typeof request.seed === 'number' ? { seed: request.seed } : {}),
  });
  const model = typeof request.model === 'string' ? request.model : (options.model ?? 'reference');
  const base = { endpoint, model, promptTokens: generated.promptTokens, completionTokens: generated.tokens.length };
  const tool = forcedTool(request);
  if (endpoint === 'chat' && tool !== undefined) {
    return { ...base, pieces: [], toolCall: { name: tool, arguments: JSON.stringify({ input: generated.tokens.join('') }) }, finishReason: 'tool_calls' };
  }
  const format = (request.response_format as { type?: string } | undefined)?.type;
  if (endpoint === 'chat' && (format === 'json_object' || format === 'json_schema')) {
    const json = JSON.stringify({ answer: generated.tokens.join('') });
    return { ...base, pieces: json.match(/.{1,16}/gs) ?? [json], finishReason: 'stop' };
  }
  return { ...base, pieces: generated.tokens, finishReason: generated.finishReason };
}

/** The tool a request forces (tool_choice "required" or a named function), if any. */
function forcedTool(request: Record<string, unknown>): string | undefined {
  const tools = request.tools as Array<{ function?: { name?: string } }> | undefined;
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const choice = request.tool_choice as string | { function?: { name?: string } } | undefined;
  if (choice === 'required') return tools[0]?.function?.name;
  if (typeof choice === 'object' && choice !== null) return choice.function?.name;
  return undefined;
}

/** The body as a JSON object, or undefined when it is not one. */
function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

/** Errors as real miners send them: `{"message": ...}` (axon style) inside an OpenAI-ish envelope. */
function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { message, type: 'miner_error', code: status }, message });
}
