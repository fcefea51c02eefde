import type { AddressGuard } from '../net/addressGuard.js';
import type { NeuronReader } from './chain/reader.js';
import { diffSnapshots } from './diff.js';
import { buildMinerSnapshot, countMinerStates, emptyMinerCounts, type EligibilityPolicy, type MinerState } from './eligibility.js';
import type { Logger } from './logger.js';
import type { SnapshotStore } from './snapshotStore.js';
import type { MinerSnapshot, NeuronSnapshot } from './types.js';

/**
 * Keeps one subnet's metagraph fresh: reads it at start and then every `refreshIntervalMs`,
 * swaps the snapshot atomically, and on chain errors keeps serving the last good snapshot
 * while retrying with exponential backoff and jitter.
 *
 * Default refresh: 5 minutes. The epoch (tempo 360 blocks, 72 min) sets scores, but miners
 * re-serve axons at any block after a restart or a move, and until we see the new address the
 * gateway keeps hitting the old one. Five minutes bounds that window to what the routing layer's
 * cooldowns absorb, while costing the public node 12 reads of ~190 KB an hour and us ~150 ms of
 * sliced CPU each.
 */

export const DEFAULT_REFRESH_INTERVAL_MS = 5 * 60_000;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ChainSourceOptions {
  netuid: number;
  /** Network name for logs and the snapshot store key (e.g. "finney"). */
  network: string;
  reader: NeuronReader;
  guard: AddressGuard;
  policy?: Partial<EligibilityPolicy>;
  /**
   * Read this validator's weights row with the neurons (default: the one `policy.scoreSource`
   * names). Set when models sharing the read score by weights under other policies.
   */
  weightsOf?: string;
  store?: SnapshotStore;
  logger: Logger;
  refreshIntervalMs?: number;
  /** First retry after a failure (default 2 s), doubling up to `retryMaxMs` (default 60 s), each ±25 % jitter. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** `status().stale` once the snapshot is older than this (default 3 refresh intervals). */
  staleAfterMs?: number;
  /** Close the reader on `stop()` (default true; false when readers are shared between sources). */
  closeReaderOnStop?: boolean;
  now?: () => number;
  timers?: Timers;
  random?: () => number;
}

export interface ChainSourceStatus {
  netuid: number;
  network: string;
  block: number | null;
  fetchedAt: number | null;
  ageSeconds: number | null;
  /** No snapshot, or one older than `staleAfterMs`: what `/readyz` should look at. */
  stale: boolean;
  /** Where the current snapshot came from. */
  origin: 'chain' | 'store' | null;
  /** The last refresh error, cleared by the next success. */
  lastError: string | null;
  consecutiveFailures: number;
  connected: boolean;
}

export interface ChainSource {
  /** Loads the stored snapshot and starts refreshing; resolves at once when a stored snapshot is served, else after the first read attempt. */
  start(): Promise<void>;
  /** Stops timers and (by default) closes the reader's WebSocket. */
  stop(): Promise<void>;
  /** Reads now (joining a read in flight); true when a new snapshot was installed. */
  refreshNow(): Promise<boolean>;
  miners(): MinerSnapshot | null;
  neurons(): NeuronSnapshot | null;
  status(): ChainSourceStatus;
  /** Miner counts by state for the `taogate_metagraph_miners{netuid,state}` gauge (all 0 before the first snapshot). */
  minerCounts(): Record<MinerState, number>;
  /** Called after every swap; returns an unsubscribe function. */
  onUpdate(listener: (miners: MinerSnapshot) => void): () => void;
}

interface Current { neurons: NeuronSnapshot; miners: MinerSnapshot; origin: 'chain' | 'store' }

const SAMPLE = 20;

/** Builds a refreshing source for one subnet; nothing happens until `start()`. */
export function createChainSource(options: ChainSourceOptions): ChainSource {
  const { netuid, network, reader, guard, store, logger } = options;
  const policy = options.policy ?? {};
  const interval = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
  const retryInitial = options.retryInitialMs ?? 2000;
  const retryMax = options.retryMaxMs ?? 60_000;
  const staleAfter = options.staleAfterMs ?? 3 * interval;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const timers: Timers = options.timers ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
  const weightsOf = options.weightsOf ?? (typeof policy.scoreSource === 'object' ? policy.scoreSource.weightsOf : undefined);
  const configuredSource = typeof policy.scoreSource === 'object' ? 'weights' : policy.scoreSource ?? 'incentive';
  const log = { netuid, network };

  let current: Current | undefined;
  let lastError: string | null = null;
  let failures = 0;
  let timer: unknown;
  let inflight: Promise<boolean> | undefined;
  let started = false;
  let stopped = false;
  const listeners = new Set<(miners: MinerSnapshot) => void>();

  const install = (neurons: NeuronSnapshot, origin: Current['origin']): MinerSnapshot => {
    const miners = buildMinerSnapshot(neurons, policy, guard);
    const previous = current;
    // One assignment: readers see the old snapshot or the new one, never a mix.
    current = { neurons, miners, origin };
    if (miners.scoreSource !== configuredSource && miners.scoreSource !== previous?.miners.scoreSource) {
      logger.warn({ ...log, configured: configuredSource, used: miners.scoreSource }, `score source ${configuredSource} gives no signal; using ${miners.scoreSource}`);
    }
    for (const listener of listeners) {
      try {
        listener(miners);
      } catch (error) {
        logger.error({ ...log, err: error }, 'metagraph update listener failed');
      }
    }
    return miners;
  };

  const refresh = async (): Promise<boolean> => {
    try {
      const next = await reader.readNeurons(netuid, weightsOf === undefined ? {} : { weightsOf });
      if (stopped) return false;
      const diff = diffSnapshots(current?.neurons ?? null, next);
      const fromStore = current?.origin === 'store';
      const recoveredAfter = failures;
      const counts = countMinerStates(install(next, 'chain'));
      failures = 0;
      lastError = null;
      logger.info({
        ...log, block: next.block, neurons: next.neurons.length, eligible: counts.eligible, fromStore,
        ...(recoveredAfter > 0 ? { recoveredAfterFailures: recoveredAfter } : {}),
        added: diff.added.length, removed: diff.removed.length, moved: diff.moved.length,
        ...(diff.added.length && diff.added.length < next.neurons.length ? { addedHotkeys: diff.added.slice(0, SAMPLE) } : {}),
        ...(diff.removed.length ? { removedHotkeys: diff.removed.slice(0, SAMPLE) } : {}),
        ...(diff.moved.length ? { movedAxons: diff.moved.slice(0, SAMPLE) } : {}),
      }, 'metagraph refreshed');
      await store?.save(network, next);
      return true;
    } catch (error) {
      if (stopped) return false;
      failures += 1;
      const message = error instanceof Error ? error.message : String(error);
      // While the chain stays down, warn on the first failure, on a new error, and every 10th
      // attempt; the attempts in between go to debug so an outage does not flood the logs.
      const loud = failures === 1 || message !== lastError || failures % 10 === 0;
      lastError = message;
      logger[loud ? 'warn' : 'debug']({ ...log, err: error, consecutiveFailures: failures, servingBlock: current?.neurons.block ?? null },
        `metagraph refresh failed: ${message}`);
      return false;
    }
  };

  const refreshNow = (): Promise<boolean> => {
    inflight ??= refresh().finally(() => { inflight = undefined; });
    return inflight;
  };

  const delayAfter = (ok: boolean): number => {
    if (ok) return interval;
    // Exponential backoff with ±25 % jitter, so replicas that lost the same node do not retry in step.
    const base = Math.min(retryMax, retryInitial * 2 ** Math.min(failures - 1, 30));
    return Math.round(base * (0.75 + random() * 0.5));
  };

  const schedule = (ok: boolean): void => {
    if (stopped) return;
    const delay = delayAfter(ok);
    if (!ok) logger.debug({ ...log, retryInMs: delay }, 'metagraph refresh retry scheduled');
    timer = timers.setTimeout(() => { void refreshNow().then(schedule); }, delay);
  };

  return {
    async start() {
      if (started) return;
      started = true;
      if (store) {
        const stored = await store.load(network, netuid);
        if (stored && !current && !stopped) {
          install(stored, 'store');
          logger.info({ ...log, block: stored.block, ageSeconds: Math.round((now() - stored.fetchedAt) / 1000) }, 'serving stored metagraph snapshot');
        }
      }
      if (stopped) return;
      const first = refreshNow().then(schedule);
      if (!current) await first;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      if (options.closeReaderOnStop ?? true) await reader.close();
      await inflight?.catch(() => {});
    },
    refreshNow,
    miners: () => current?.miners ?? null,
    neurons: () => current?.neurons ?? null,
    status() {
      const fetchedAt = current?.neurons.fetchedAt ?? null;
      const ageMs = fetchedAt === null ? null : Math.max(0, now() - fetchedAt);
      return {
        netuid,
        network,
        block: current?.neurons.block ?? null,
        fetchedAt,
        ageSeconds: ageMs === null ? null : Math.round(ageMs / 1000),
        stale: ageMs === null || ageMs > staleAfter,
        origin: current?.origin ?? null,
        lastError,
        consecutiveFailures: failures,
        connected: reader.isConnected(),
      };
    },
    minerCounts: () => (current ? countMinerStates(current.miners) : emptyMinerCounts()),
    onUpdate(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
  };
}
