import { ApiPromise, WsProvider } from '@polkadot/api';
import type { Logger } from '../logger.js';
import { chainErrorText, chainNetworkName } from './endpoints.js';
import { ChainError } from './errors.js';
import { routePolkadotLogs } from './polkadotLogs.js';

/** An initialised `@polkadot/api` on one WebSocket; it never reconnects by itself. */
export interface ChainConnection {
  readonly api: ApiPromise;
  readonly endpoint: string;
  /**
   * A raw JSON-RPC call on the socket. Unlike `api.rpc.*` it neither memoises answers (rpc-core
   * keeps a block-hash call's answer for 1.75 s) nor wraps them in codecs.
   */
  send<T>(method: string, params: unknown[]): Promise<T>;
  /** False once the socket has closed; the connection is then dead for good. */
  isConnected(): boolean;
  /** Closes the socket and stops routing @polkadot logs for it. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  logger: Logger;
  /** Give up connecting and initialising after this long (default 15 s). */
  connectTimeoutMs?: number;
  /** Fail an RPC call that got no answer after this long (default 30 s; @polkadot's is 60 s). */
  requestTimeoutMs?: number;
}

const CLOSE_WAIT_MS = 1000;

const delay = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms).unref(); });

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  // @polkadot rejects with the WebSocket's ErrorEvent, whose `error`/`message` say why.
  if (typeof error === 'object' && error !== null) {
    const e = error as { message?: unknown; error?: unknown };
    if (e.error instanceof Error) return e.error.message;
    if (typeof e.message === 'string' && e.message) return e.message;
  }
  return String(error);
}

/**
 * Connects to a subtensor node and initialises the API from its metadata. Rejects with a
 * `ChainError` (never hangs past the timeout, never leaves a socket retrying in the background).
 * Automatic reconnection is off: the caller decides when to try again and how long to wait.
 *
 * Initialising decodes 600 KB of metadata inside @polkadot, which blocks the event loop for
 * ~150-250 ms once per connection. Caching the metadata across reconnects would not help:
 * it is decoded again anyway, and re-encoding it to hex for the cache blocks for ~250 ms.
 */
export async function connectChain(endpoint: string, options: ConnectOptions): Promise<ChainConnection> {
  const { logger, connectTimeoutMs = 15_000, requestTimeoutMs = 30_000 } = options;
  const release = routePolkadotLogs(logger);
  // Response cache down to one entry for 1 ms: every read names a new block hash, so the default
  // 30 s cache would only hold 200 KB answers (and hand back stale ones when a block is re-read).
  const provider = new WsProvider(endpoint, false, {}, requestTimeoutMs, 1, 1);
  let connected = false;
  let api: ApiPromise | undefined;
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<void>((resolve) => { provider.on('disconnected', () => resolve()); });
  const shutdown = async (): Promise<void> => {
    const wasOpen = provider.isConnected;
    // disconnect() rejects when the socket never opened; there is nothing left to close then.
    await (api ? api.disconnect() : provider.disconnect()).catch(() => {});
    // @polkadot logs the end of its subscriptions when the close completes: keep routing until then.
    if (wasOpen) await Promise.race([closed, delay(CLOSE_WAIT_MS)]);
    await delay(0);
    release();
  };
  try {
    const init = (async () => {
      await provider.connect();
      const created = new ApiPromise({ provider, noInitWarn: true, throwOnConnect: true });
      api = created;
      await created.isReadyOrError;
      return created;
    })();
    // If the timeout wins, init's later rejection must not become an unhandled rejection.
    init.catch(() => {});
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    });
    const ready = await Promise.race([init, timeout]);
    connected = provider.isConnected;
    if (!connected) throw new Error('connection closed during initialisation');
    provider.on('disconnected', () => { connected = false; });
    return {
      api: ready,
      endpoint,
      send: async <T>(method: string, params: unknown[]) => (await provider.send(method, params, false)) as T,
      isConnected: () => connected && provider.isConnected,
      close: async () => { connected = false; await shutdown(); },
    };
  } catch (error) {
    await shutdown();
    // Host and port only: hosted RPC endpoints often carry an API key in the path or query, and
    // this message reaches logs and the unauthenticated /readyz.
    throw new ChainError(`cannot connect to ${chainNetworkName(endpoint)}: ${chainErrorText(endpoint, reasonOf(error))}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
