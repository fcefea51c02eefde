import { hostPort } from '../net/ip.js';
import type { MinerProtocol } from '../metagraph/types.js';
import { MalformedOutputError, MinerReportedError, answerFromCompletion, deltaFromChunk } from '../openai/minerOutput.js';
import type { Answer, Endpoint, InferenceRequest, StreamDelta } from '../openai/types.js';
import { ChunkShape } from '../openai/chunkShape.js';
import type { ModelConfig } from '../config/modelSchema.js';
import { DeltaQueue } from './deltaQueue.js';
import type { MinerDispatchers } from './dispatchers.js';
import { fetchWhole, openExchange, type Exchange, type ExchangeRequest } from './httpExchange.js';
import { MinerError } from './minerError.js';
import { mergeHeaders } from './requestHeaders.js';
import { SseLineTooLongError, SseParser } from './sseParser.js';
import type { CallTiming, MinerCall, MinerStream, Transport } from './types.js';
import { answeredJson, wholeAnswerStream } from './wholeAnswerStream.js';

/** Adds protocol headers (e.g. Epistula signatures) computed over the exact body bytes sent. */
export type RequestDecorator = (call: MinerCall, body: Buffer) => Record<string, string>;

const PATHS = { chat: '/v1/chat/completions', completions: '/v1/completions' } as const;

/**
 * OpenAI-compatible miners (`POST /v1/chat/completions`, `/v1/completions`). With a
 * decorator that signs requests this is also the Epistula transport: the wire format of the
 * answers is the same.
 */
export class OpenAICompatibleTransport implements Transport {
  readonly protocol: MinerProtocol;
  readonly #dispatchers: MinerDispatchers;
  readonly #decorate: RequestDecorator | undefined;

  constructor(protocol: MinerProtocol, dispatchers: MinerDispatchers, decorate?: RequestDecorator) {
    this.protocol = protocol;
    this.#dispatchers = dispatchers;
    this.#decorate = decorate;
  }

  async complete(call: MinerCall): Promise<{ answer: Answer; timing: CallTiming }> {
    const whole = await fetchWhole(this.#exchangeRequest(call, false));
    const timing: CallTiming = { startedAt: whole.startedAt, firstByteMs: whole.headersMs };
    return { answer: parseAnswer(call, whole.body), timing };
  }

  async stream(call: MinerCall): Promise<MinerStream> {
    const exchange = await openExchange(this.#exchangeRequest(call, true));
    // A miner that ignores `stream: true` and answers whole JSON is still usable.
    if (answeredJson(exchange)) return wholeAnswerStream(parseAnswer(call, await exchange.readAll()), exchange);
    return sseMinerStream(call, exchange);
  }

  async close(): Promise<void> {
    // Pools belong to MinerDispatchers, which the app closes once for every transport.
  }

  #exchangeRequest(call: MinerCall, streaming: boolean): ExchangeRequest {
    const { miner, model, request } = call;
    const body = Buffer.from(requestJson(request, model.upstreamModel ?? call.modelName, streaming));
    const headers = this.#decorate === undefined
      ? plainHeaders(model, streaming)
      : mergeHeaders(model.headers, streaming ? STREAM_HEADERS : JSON_HEADERS, this.#decorate(call, body));
    return {
      dispatcher: this.#dispatchers.get(model.timeouts.connectMs),
      origin: originOf(miner.host, miner.port),
      path: PATHS[request.endpoint],
      headers,
      body,
      cancellation: call.cancellation,
      timeouts: model.timeouts,
      deadline: call.deadline,
      maxBytes: model.maxResponseBytes,
      streaming,
    };
  }
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const STREAM_HEADERS = { 'content-type': 'application/json', accept: 'text/event-stream' };

/** Per model config: the request headers of unsigned calls, whole and streamed (they never change). */
const plainHeaderSets = new WeakMap<ModelConfig, [Record<string, string>, Record<string, string>]>();

function plainHeaders(model: ModelConfig, streaming: boolean): Record<string, string> {
  let sets = plainHeaderSets.get(model);
  if (sets === undefined) {
    sets = [mergeHeaders(model.headers, JSON_HEADERS), mergeHeaders(model.headers, STREAM_HEADERS)];
    plainHeaderSets.set(model, sets);
  }
  return sets[streaming ? 1 : 0];
}

/** Per request (requests are immutable): its parameters as JSON, without the closing brace. */
const paramsJson = new WeakMap<InferenceRequest, string>();

/**
 * The body a miner gets: the client's parameters, then the upstream model name and the
 * stream flag; streams always ask for usage, since token counts feed rate limits and
 * telemetry even when the client did not ask. The same text as serialising
 * `{ ...params, model, stream, stream_options }`, with the parameters serialised once per
 * request however many miners are asked.
 */
export function requestJson(request: InferenceRequest, model: string, streaming: boolean): string {
  let head = paramsJson.get(request);
  if (head === undefined) {
    const params = JSON.stringify(request.params);
    head = params === '{}' ? '{' : `${params.slice(0, -1)},`;
    paramsJson.set(request, head);
  }
  return `${head}"model":${JSON.stringify(model)},"stream":${streaming}${streaming ? ',"stream_options":{"include_usage":true}' : ''}}`;
}

/** `http://host:port`, with IPv6 literals bracketed. */
export function originOf(host: string, port: number): string {
  return `http://${hostPort(host, port)}`;
}

function parseAnswer(call: MinerCall, bytes: Buffer): Answer {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new MinerError('bad_response', 'answer is not JSON');
  }
  return sanitise(() => answerFromCompletion(call.request.endpoint, raw));
}

/** Runs a sanitiser, turning its complaints into the MinerError they mean. */
export function sanitise<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof MalformedOutputError) throw new MinerError('bad_response', error.message);
    if (error instanceof MinerReportedError) {
      throw new MinerError(error.knownCode ?? 'http_error', 'miner sent an error object');
    }
    throw error;
  }
}

/** How many times one stream tries to learn its chunk shape (a miner whose chunks keep changing is just parsed). */
const MAX_SHAPES_PER_STREAM = 8;

/**
 * One stream's chunks into sanitised deltas: text chunks of the learned shape without a
 * parse (see ChunkShape), every other chunk through JSON.parse and the sanitiser.
 */
class ChunkSanitiser {
  readonly #endpoint: Endpoint;
  #shape: ChunkShape | undefined;
  #learnings = 0;

  constructor(endpoint: Endpoint) {
    this.#endpoint = endpoint;
  }

  delta(data: string): StreamDelta {
    const fast = this.#shape?.match(data);
    if (fast !== undefined) return fast;
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      throw new MinerError('bad_response', 'stream event is not JSON');
    }
    const delta = sanitise(() => deltaFromChunk(this.#endpoint, raw));
    if (delta.text !== undefined && this.#learnings < MAX_SHAPES_PER_STREAM) {
      this.#learnings++;
      this.#shape = ChunkShape.learn(this.#endpoint, data, delta) ?? this.#shape;
    }
    return delta;
  }
}

/**
 * A miner's SSE stream: each network chunk is parsed into sanitised deltas as it arrives
 * and queued as one batch. Complete only when `data: [DONE]` arrived.
 */
function sseMinerStream(call: MinerCall, exchange: Exchange): MinerStream {
  const endpoint = call.request.endpoint;
  const parser = new SseParser(call.model.maxResponseBytes);
  const timing: CallTiming = { startedAt: exchange.startedAt };
  const queue = new DeltaQueue(exchange);
  const chunks = new ChunkSanitiser(endpoint);
  let done = false;
  exchange.consume((chunk) => {
    if (timing.firstByteMs === undefined) {
      timing.firstByteMs = Date.now() - timing.startedAt;
      exchange.watchdog.firstByte();
    }
    if (done) return; // drain what follows [DONE] so the connection can be reused
    let events: string[];
    try {
      events = parser.push(chunk);
    } catch (error) {
      if (error instanceof SseLineTooLongError) throw new MinerError('too_large', 'SSE line too long');
      throw error;
    }
    const batch: StreamDelta[] = [];
    for (const data of events) {
      if (data === '[DONE]') {
        done = true;
        break;
      }
      batch.push(chunks.delta(data));
    }
    queue.push(batch);
    // The answer is complete at [DONE]; the rest of the body drains in the background.
    if (done) queue.end();
  }).then(
    () => (done ? queue.end() : queue.fail(new MinerError('truncated', 'stream ended without [DONE]'))),
    (error: unknown) => queue.fail(error),
  );
  return {
    timing,
    close: () => exchange.close(),
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
}
