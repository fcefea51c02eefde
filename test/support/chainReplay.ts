import { readFileSync } from 'node:fs';
import { createServer, type Server, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A subtensor node that answers from the recorded finney RPC answers (test/fixtures/finney-sn1),
 * so that a real `@polkadot/api` initialises and reads against it. Calls the recording lacks
 * (genesis hash, properties, metadata versions, subscriptions) are made up here; calls nobody
 * answers are logged in `unknown` so a test can find what the API asked for.
 */

const RECORDING_PATH = fileURLToPath(new URL('../fixtures/finney-sn1/rpc-recording.json', import.meta.url));

interface Recording {
  responses: Record<string, Record<string, { result: unknown }>>;
  metadata_v14: string;
  metadata_at_version_15: string;
}

/** Made up: the recording holds no genesis hash. This is finney's. */
export const GENESIS_HASH = '0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03';
/** The block everything in the recording was read at. */
export const RECORDED_BLOCK = 6_852_690;
export const RECORDED_BLOCK_HASH = '0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0';

/** Which calls a rule applies to: a JSON-RPC method, optionally narrowed to one runtime call or storage key prefix. */
export interface CallMatch {
  method: string;
  /** For `state_call`: the runtime function, e.g. `NeuronInfoRuntimeApi_get_neurons_lite`. */
  call?: string;
  /** For storage reads: a hex prefix of the key (with 0x). */
  keyPrefix?: string;
}

export type Failure =
  | { kind: 'error'; code?: number; message?: string }
  /** Never answer (the client's own timeout must fire). */
  | { kind: 'hang' }
  /** Drop the connection when the call arrives. */
  | { kind: 'close' };

export interface RecordedCall { method: string; params: unknown[] }

export interface ChainReplay {
  readonly url: string;
  readonly port: number;
  /** Every call received, in order. */
  readonly calls: RecordedCall[];
  /** WebSocket connections open right now (a gateway that stopped has closed its own). */
  openConnections(): number;
  /** Calls that neither the recording nor the made-up answers cover. */
  readonly unknown: RecordedCall[];
  /** The chain goes away: open connections are cut abruptly and the port stops listening. */
  stop(): Promise<void>;
  /** The chain comes back on the same port. */
  start(): Promise<void>;
  /** Answer matching calls (all calls when `match` is omitted) only after `ms`. */
  setDelay(ms: number, match?: CallMatch): void;
  /** Fail the next `times` matching calls (default: every one until `clearRules`). */
  fail(match: CallMatch, failure?: Failure, times?: number): void;
  /** Answer matching calls with `result` (a JSON-RPC result: hex string, null, object). */
  script(match: CallMatch, result: unknown): void;
  /** Serve another `Vec<NeuronInfoLite>` (SCALE hex) from `get_neurons_lite` until `clearRules`. */
  setNeuronsLite(hex: string): void;
  /** Drop delays, failures and scripted answers. */
  clearRules(): void;
  /** Stop for good. */
  close(): Promise<void>;
}

export interface ChainReplayOptions {
  /** Called with every unknown call (tests pass `console.log` to discover what the API asks). */
  onUnknown?: (call: RecordedCall) => void;
}

const strip0x = (hex: string): string => (hex.startsWith('0x') ? hex.slice(2) : hex).toLowerCase();
const with0x = (hex: string): string => `0x${strip0x(hex)}`;

/** Normalises params so a client's call finds the recorded answer: hex prefixes, block hashes. */
function normalise(method: string, params: unknown[]): string {
  switch (method) {
    case 'state_call':
      return JSON.stringify([params[0], strip0x(String(params[1] ?? ''))]);
    case 'state_getStorage':
    case 'state_getStorageAt':
      return JSON.stringify([with0x(String(params[0]))]);
    case 'state_getRuntimeVersion':
    case 'chain_getHeader':
    case 'chain_getHead':
    case 'chain_getFinalizedHead':
      // One block is recorded: every hash means it.
      return '[]';
    case 'chain_getBlockHash': {
      const n = params[0];
      if (n === undefined || n === null) return '[]';
      return JSON.stringify([typeof n === 'string' ? Number.parseInt(n, n.startsWith('0x') ? 16 : 10) : n]);
    }
    default:
      return JSON.stringify(params);
  }
}

function methodKey(method: string): string {
  // The recording stores `state_getStorageAt`; `@polkadot/api` sends `state_getStorage`.
  if (method === 'state_getStorageAt') return 'state_getStorage';
  if (method === 'chain_getFinalizedHead') return 'chain_getHead';
  return method;
}

function matches(match: CallMatch, method: string, params: unknown[]): boolean {
  if (methodKey(match.method) !== methodKey(method)) return false;
  if (match.call !== undefined && params[0] !== match.call) return false;
  if (match.keyPrefix !== undefined && !with0x(String(params[0])).startsWith(with0x(match.keyPrefix))) return false;
  return true;
}

let cachedRecording: Recording | undefined;
/** The recording, parsed once per process. */
export function loadRecording(): Recording {
  cachedRecording ??= JSON.parse(readFileSync(RECORDING_PATH, 'utf8')) as Recording;
  return cachedRecording;
}

function buildIndex(recording: Recording): Map<string, unknown> {
  const index = new Map<string, unknown>();
  for (const [method, answers] of Object.entries(recording.responses)) {
    for (const [paramsJson, answer] of Object.entries(answers)) {
      const params = JSON.parse(paramsJson) as unknown[];
      index.set(`${methodKey(method)}${normalise(method, params)}`, answer.result);
    }
  }
  // Made up (see the fixture README): what the SDK's recording never asked for.
  const header = recording.responses['chain_getHeader']?.['[null]']?.result;
  index.set('chain_getBlockHash[0]', GENESIS_HASH);
  index.set('chain_getBlockHash[]', RECORDED_BLOCK_HASH);
  index.set('chain_getHeader[]', header);
  index.set('state_getMetadata[]', recording.metadata_v14);
  index.set(`state_call${JSON.stringify(['Metadata_metadata_versions', ''])}`, '0x080e0000000f000000');
  index.set(`state_call${JSON.stringify(['Metadata_metadata_at_version', '0f000000'])}`, recording.metadata_at_version_15);
  index.set(`state_call${JSON.stringify(['Metadata_metadata_at_version', '0e000000'])}`, `0x01${strip0x(recording.metadata_v14)}`);
  index.set('system_properties[]', { ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' });
  index.set('system_chain[]', 'Bittensor');
  index.set('system_name[]', 'Subtensor Node');
  index.set('system_version[]', '4.0.0-dev');
  index.set('system_chainType[]', 'Live');
  index.set('system_health[]', { peers: 8, isSyncing: false, shouldHavePeers: true });
  return index;
}

const NEURONS_LITE: CallMatch = { method: 'state_call', call: 'NeuronInfoRuntimeApi_get_neurons_lite' };

interface Rule { match?: CallMatch; delayMs?: number; failure?: Failure; result?: unknown; remaining: number }

const SUBSCRIPTIONS: Record<string, { notification: string; initial: (index: Map<string, unknown>) => unknown }> = {
  state_subscribeRuntimeVersion: { notification: 'state_runtimeVersion', initial: (i) => i.get('state_getRuntimeVersion[]') },
  chain_subscribeRuntimeVersion: { notification: 'chain_runtimeVersion', initial: (i) => i.get('state_getRuntimeVersion[]') },
  chain_subscribeNewHeads: { notification: 'chain_newHead', initial: (i) => i.get('chain_getHeader[]') },
  chain_subscribeFinalizedHeads: { notification: 'chain_finalizedHead', initial: (i) => i.get('chain_getHeader[]') },
};

/** Starts a replaying node on 127.0.0.1 (port 0 unless given). */
export async function startChainReplay(options: ChainReplayOptions = {}, port = 0): Promise<ChainReplay> {
  const index = buildIndex(loadRecording());
  const calls: RecordedCall[] = [];
  const unknown: RecordedCall[] = [];
  let rules: Rule[] = [];
  let nextSubscription = 1;
  let http: Server | undefined;
  let wss: WebSocketServer | undefined;
  let listeningPort = port;

  const answer = (method: string, params: unknown[]): { result?: unknown; error?: { code: number; message: string } } => {
    const sub = SUBSCRIPTIONS[method];
    if (sub) return { result: `0x${(nextSubscription++).toString(16).padStart(16, '0')}` };
    if (method === 'rpc_methods') {
      return { result: { version: 1, methods: [...new Set([...Object.keys(SUBSCRIPTIONS), ...[...index.keys()].map((k) => k.slice(0, k.indexOf('[')))])] } };
    }
    if (/_unsubscribe/.test(method)) return { result: true };
    const key = `${methodKey(method)}${normalise(method, params)}`;
    if (index.has(key)) return { result: index.get(key) };
    // Storage nobody recorded is empty, as on a real node; runtime calls nobody recorded are not.
    if (methodKey(method) === 'state_getStorage') return { result: null };
    const call = { method, params };
    unknown.push(call);
    options.onUnknown?.(call);
    return { error: { code: -32601, message: `Method not found: ${method} ${JSON.stringify(params).slice(0, 120)}` } };
  };

  const handle = async (socket: WebSocket, raw: string): Promise<void> => {
    let request: { id: number | string; method: string; params?: unknown[] };
    try {
      request = JSON.parse(raw) as typeof request;
    } catch {
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
      return;
    }
    const { id, method } = request;
    const params = request.params ?? [];
    calls.push({ method, params });
    let delayMs = 0;
    let failure: Failure | undefined;
    let scripted: { result: unknown } | undefined;
    for (const rule of rules) {
      if (rule.remaining <= 0) continue;
      if (rule.match && !matches(rule.match, method, params)) continue;
      if (rule.delayMs !== undefined) { delayMs = Math.max(delayMs, rule.delayMs); continue; }
      if (failure || scripted) continue;
      rule.remaining -= 1;
      if (rule.failure) failure = rule.failure;
      else scripted = { result: rule.result };
    }
    if (failure?.kind === 'close') { socket.terminate(); return; }
    if (failure?.kind === 'hang') return;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (socket.readyState !== socket.OPEN) return;
    const reply = failure
      ? { error: { code: failure.code ?? -32000, message: failure.message ?? 'scripted failure' } }
      : scripted ?? answer(method, params);
    socket.send(JSON.stringify({ jsonrpc: '2.0', id, ...reply }));
    const sub = SUBSCRIPTIONS[method];
    if (sub && reply.result !== undefined) {
      socket.send(JSON.stringify({ jsonrpc: '2.0', method: sub.notification, params: { subscription: reply.result, result: sub.initial(index) } }));
    }
  };

  const start = async (): Promise<void> => {
    if (http) return;
    const server = createServer((_req, res) => { res.writeHead(426).end(); });
    const ws = new WebSocketServer({ server, maxPayload: 64 * 1024 * 1024 });
    ws.on('connection', (socket: WebSocket, _req: IncomingMessage) => {
      socket.on('message', (data) => { void handle(socket, data.toString()); });
      socket.on('error', () => { /* a client going away mid-message is expected */ });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listeningPort, '127.0.0.1', () => { server.off('error', reject); resolve(); });
    });
    listeningPort = (server.address() as AddressInfo).port;
    http = server;
    wss = ws;
  };

  const stop = async (): Promise<void> => {
    const server = http;
    const ws = wss;
    http = undefined;
    wss = undefined;
    if (!server || !ws) return;
    for (const client of ws.clients) client.terminate();
    await new Promise<void>((resolve) => ws.close(() => resolve()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  await start();
  const replay: ChainReplay = {
    get url() { return `ws://127.0.0.1:${listeningPort}`; },
    get port() { return listeningPort; },
    calls,
    unknown,
    openConnections: () => wss?.clients.size ?? 0,
    stop,
    start,
    setDelay: (ms, match) => { rules.push({ match, delayMs: ms, remaining: Number.POSITIVE_INFINITY }); },
    fail: (match, failure = { kind: 'error' }, times = Number.POSITIVE_INFINITY) => { rules.push({ match, failure, remaining: times }); },
    script: (match, result) => { rules.unshift({ match, result, remaining: Number.POSITIVE_INFINITY }); },
    setNeuronsLite: (hex) => { rules.unshift({ match: NEURONS_LITE, result: with0x(hex), remaining: Number.POSITIVE_INFINITY }); },
    clearRules: () => { rules = []; },
    close: stop,
  };
  return replay;
}
