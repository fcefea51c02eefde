import type { AddressGuard } from '../net/addressGuard.js';
import { createChainReader, type NeuronReader } from './chain/reader.js';
import { chainNetworkName } from './chain/endpoints.js';
import { createChainSource, type ChainSource } from './chainSource.js';
import type { EligibilityPolicy } from './eligibility.js';
import type { Logger } from './logger.js';
import type { SnapshotStore } from './snapshotStore.js';

/**
 * The chain reads of a gateway: one reader (one WebSocket) per endpoint, one refreshing
 * `ChainSource` per subnet. Models on the same subnet share its source, so SN1 is read once
 * per refresh however many models serve from it; each model then applies its own eligibility
 * to the shared neurons (see `ChainMinerPool`).
 */

export interface SubnetFeedsOptions {
  /** Preset (`finney`, `test`, `local`) or ws(s):// URL. */
  endpoint: string;
  guard: AddressGuard;
  logger: Logger;
  /** The last good snapshot of each subnet (Redis or files); none: start-up waits for the chain. */
  store?: SnapshotStore;
  refreshIntervalMs: number;
  staleAfterMs: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  now?: () => number;
  /** Called for every failed read of a subnet (the refresh-failure counter). */
  onRefreshFailure?: (netuid: number) => void;
  /** Builds the endpoint's reader (default `createChainReader`). */
  createReader?: (endpoint: string) => NeuronReader;
}

/** One subnet's shared source, started by its first user and stopped by its last. */
export interface SubnetFeed {
  readonly netuid: number;
  /** Network name for logs, metrics and snapshot keys (`finney`, or the URL's host:port). */
  readonly network: string;
  readonly staleAfterMs: number;
  readonly source: ChainSource;
  /** The policy of the source's own snapshot and miner counts: the first model's on this subnet. */
  readonly policy: Partial<EligibilityPolicy>;
  /** Starts the source on the first call; every caller waits for that same start. */
  acquire(): Promise<void>;
  /** Stops the source once every caller of `acquire` has released it. */
  release(): Promise<void>;
}

export interface SubnetFeeds {
  readonly network: string;
  /**
   * The feed of `netuid`, created by the first call: its `policy` is that caller's, and
   * `weightsOf` names the validator whose weights row is read with the neurons.
   */
  feed(netuid: number, policy: Partial<EligibilityPolicy>, weightsOf?: string): SubnetFeed;
  list(): readonly SubnetFeed[];
}

/** Builds the feeds of one endpoint; nothing connects until a feed is acquired. */
export function createSubnetFeeds(options: SubnetFeedsOptions): SubnetFeeds {
  const network = chainNetworkName(options.endpoint);
  const shared = (options.createReader ?? ((endpoint) => createChainReader({
    endpoint,
    logger: options.logger,
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  })))(options.endpoint);
  const feeds = new Map<number, SubnetFeed>();
  let running = 0;

  const create = (netuid: number, policy: Partial<EligibilityPolicy>, weightsOf: string | undefined): SubnetFeed => {
    let stopped = false;
    // Per subnet, so failures are counted by netuid; closing is left to the feeds (the reader is shared).
    const reader: NeuronReader = {
      readNeurons: async (n, readOptions) => {
        try {
          return await shared.readNeurons(n, readOptions);
        } catch (error) {
          if (!stopped) options.onRefreshFailure?.(netuid);
          throw error;
        }
      },
      isConnected: () => shared.isConnected(),
      close: async () => {},
    };
    const source = createChainSource({
      netuid, network, reader, guard: options.guard, policy, logger: options.logger,
      closeReaderOnStop: false,
      refreshIntervalMs: options.refreshIntervalMs,
      staleAfterMs: options.staleAfterMs,
      ...(weightsOf === undefined ? {} : { weightsOf }),
      ...(options.store === undefined ? {} : { store: options.store }),
      ...(options.retryInitialMs === undefined ? {} : { retryInitialMs: options.retryInitialMs }),
      ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    let users = 0;
    let starting: Promise<void> | undefined;
    return {
      netuid, network, policy, source, staleAfterMs: options.staleAfterMs,
      async acquire() {
        users += 1;
        if (starting === undefined) {
          running += 1;
          starting = source.start();
        }
        await starting;
      },
      async release() {
        if (users === 0) return;
        users -= 1;
        if (users > 0) return;
        stopped = true;
        await source.stop();
        running -= 1;
        // The last subnet on this endpoint closes the WebSocket.
        if (running === 0) await shared.close();
      },
    };
  };

  return {
    network,
    feed(netuid, policy, weightsOf) {
      let feed = feeds.get(netuid);
      if (feed === undefined) {
        feed = create(netuid, policy, weightsOf);
        feeds.set(netuid, feed);
      }
      return feed;
    },
    list: () => [...feeds.values()],
  };
}
