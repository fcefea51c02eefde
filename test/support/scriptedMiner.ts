import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerFor } from '../../src/miner/referenceMiner.js';
import { writeJsonAnswer, writeStreamAnswer, type MinerAnswer } from '../../src/miner/completionWriter.js';
import { hotkeyFromSeed } from '../../src/identity/index.js';
import { verifyEpistula, type EpistulaVerdict } from '../../src/protocols/epistula.js';
import { ReplayCache } from '../../src/protocols/replayCache.js';

/** What a scripted miner does with one request. */
export type Behaviour =
  | { kind: 'ok'; latencyMs?: number; tokenDelayMs?: number; answerWords?: number }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string>; latencyMs?: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'garbage' }
  /** Stream: some content chunks, then the socket is destroyed. */
  | { kind: 'cut'; afterChunks: number }
  /** Stream: some content chunks, then silence (connection kept open). */
  | { kind: 'stall'; afterChunks: number }
  /** Stream: some content chunks, then bytes that are not JSON. */
  | { kind: 'malformed-chunk'; afterChunks: number }
  /** Stream: the whole answer and finish reason, then the response ends without [DONE]. */
  | { kind: 'no-done' }
  | { kind: 'empty' }
  /** A body far over any sane size cap. */
  | { kind: 'huge'; bytes: number }
  /** A well-formed answer with this text instead of the deterministic one. */
  | { kind: 'text'; text: string; latencyMs?: number };

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  rawBody: Buffer;
  /** Set when the client went away before the response was complete. */
  aborted: boolean;
  /** The Epistula check's outcome, when the miner verifies signatures. */
  verdict?: EpistulaVerdict;
}

/** Options of a scripted miner beyond its behaviour. */
export interface ScriptedMinerOptions {
  /**
   * Verify Epistula v2 like a subnet miner before the scripted behaviour runs, answering a
   * refusal with the status real miners use. The miner's hotkey comes from `seed` (default: a
   * fixed seed per uid); only `allow` may sign.
   */
  epistula?: { allow: readonly string[]; seed?: string; maxAgeMs?: number; nowMs?: () => number };
}

/** A fixed, distinct seed per uid for scripted miners that have a real hotkey. */
export function scriptedMinerSeed(uid: number): string {
  return `0x${(uid % 256).toString(16).padStart(2, '0').repeat(32)}`;
}

export interface ScriptedMiner {
  url: string;
  port: number;
  hotkey: string;
  uid: number;
  requests: RecordedRequest[];
  /** Changes what the miner does from now on. */
  behave(behaviour: Behaviour | ((n: number) => Behaviour)): void;
  /** Resolves when a request was aborted by the client (or after `timeoutMs`, with false). */
  waitForAbort(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real HTTP miner on 127.0.0.1 whose behaviour is scripted per request: healthy,
 * failing, hanging, cutting streams, lying. The base answers are the reference miner's
 * deterministic ones, so a test can assert the exact text a healthy miner gives.
 */
export async function startScriptedMiner(uid: number, initial: Behaviour | ((n: number) => Behaviour) = { kind: 'ok' }, options: ScriptedMinerOptions = {}): Promise<ScriptedMiner> {
  let script = typeof initial === 'function' ? initial : () => initial;
  const epistula = options.epistula;
  const hotkey = epistula === undefined ? `scripted-miner-${uid}` : (await hotkeyFromSeed(epistula.seed ?? scriptedMinerSeed(uid))).address;
  const replays = new ReplayCache();
  const requests: RecordedRequest[] = [];
  const abortWaiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    void serve(req, res).catch(() => res.destroy());
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) parts.push(chunk);
    const rawBody = Buffer.concat(parts);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
    } catch { /* recorded as empty */ }
    const record: RecordedRequest = { path: req.url ?? '', headers: req.headers, body, rawBody, aborted: false };
    requests.push(record);
    if (epistula !== undefined) {
      record.verdict = verifyEpistula({
        headers: req.headers, body: rawBody, ownHotkey: hotkey, replayCache: replays,
        isAllowedSigner: (signer) => epistula.allow.includes(signer),
        ...(epistula.maxAgeMs === undefined ? {} : { maxAgeMs: epistula.maxAgeMs }),
        ...(epistula.nowMs === undefined ? {} : { nowMs: epistula.nowMs() }),
      });
      if (!record.verdict.ok) {
        res.writeHead(record.verdict.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: record.verdict.message }));
        return;
      }
    }
    res.once('close', () => {
      if (!res.writableFinished) {
        record.aborted = true;
        for (const resolve of abortWaiters.splice(0)) resolve();
      }
    });
    const behaviour = script(requests.length);
    const endpoint = (req.url ?? '').includes('/chat/') ? 'chat' : 'completions';
    const stream = body.stream === true;
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const answer = (): MinerAnswer => answerFor(endpoint, body);

    switch (behaviour.kind) {
      case 'ok': {
        if (behaviour.latencyMs) await sleep(behaviour.latencyMs);
        const a = answerFor(endpoint, body, behaviour.answerWords === undefined ? {} : { answerWords: behaviour.answerWords });
        if (stream) await writeStreamAnswer(res, a, behaviour.tokenDelayMs ?? 0, includeUsage);
        else writeJsonAnswer(res, a);
        return;
      }
      case 'text': {
        if (behaviour.latencyMs) await sleep(behaviour.latencyMs);
        const a: MinerAnswer = { ...answer(), pieces: behaviour.text.length === 0 ? [] : behaviour.text.match(/.{1,8}/gs)!, finishReason: 'stop' };
        if (stream) await writeStreamAnswer(res, a, 0, includeUsage);
        else writeJsonAnswer(res, a);
        return;
      }
      case 'status': {
        if (behaviour.latencyMs) await sleep(behaviour.latencyMs);
        res.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
        res.end(JSON.stringify(behaviour.body ?? { message: `scripted ${behaviour.status}` }));
        return;
      }
      case 'hang':
        return; // never answers; the socket stays open until the client gives up
      case 'reset':
        req.socket.destroy();
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
        res.end(stream ? 'data: <<<not json>>>\n\n' : '{"choices": [ this is not json');
        return;
      case 'empty': {
        const a: MinerAnswer = { ...answer(), pieces: [], finishReason: 'stop' };
        if (stream) await writeStreamAnswer(res, a, 0, includeUsage);
        else writeJsonAnswer(res, a);
        return;
      }
      case 'huge':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"pad":"${'x'.repeat(behaviour.bytes)}"}`);
        return;
      case 'cut':
      case 'stall':
      case 'malformed-chunk':
      case 'no-done':
        await partialStream(res, endpoint, answer(), behaviour);
        return;
    }
  }

  async function partialStream(res: ServerResponse, endpoint: 'chat' | 'completions', a: MinerAnswer, behaviour: Extract<Behaviour, { kind: 'cut' | 'stall' | 'malformed-chunk' | 'no-done' }>): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const base = { id: 'x', object: endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: 1, model: a.model };
    const send = (choice: Record<string, unknown>): boolean => res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, finish_reason: null, ...choice }] })}\n\n`);
    const piece = (text: string) => (endpoint === 'chat' ? { delta: { content: text } } : { text });
    if (endpoint === 'chat') send({ delta: { role: 'assistant', content: '' } });
    const limit = behaviour.kind === 'no-done' ? a.pieces.length : behaviour.afterChunks;
    for (const text of a.pieces.slice(0, limit)) send(piece(text));
    await sleep(5);
    switch (behaviour.kind) {
      case 'cut':
        res.socket?.destroy();
        return;
      case 'stall':
        return; // keep the connection open, say nothing
      case 'malformed-chunk':
        res.end('data: {"choices": [{"delta": {"content": "bro\n\n');
        return;
      case 'no-done':
        send(endpoint === 'chat' ? { delta: {}, finish_reason: a.finishReason } : { text: '', finish_reason: a.finishReason });
        res.end();
        return;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    uid,
    hotkey,
    requests,
    behave(next) {
      script = typeof next === 'function' ? next : () => next;
    },
    waitForAbort(timeoutMs) {
      if (requests.some((r) => r.aborted)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        abortWaiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
