import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './logger.js';
import { parseSnapshot, serializeSnapshot, SNAPSHOT_VERSION } from './snapshotCodec.js';
import type { NeuronSnapshot } from './types.js';

export { serializeSnapshot, parseSnapshot, SnapshotFormatError, SNAPSHOT_VERSION } from './snapshotCodec.js';

/**
 * Where the last good metagraph of each subnet is kept, so a restart serves at once even with
 * the chain unreachable. Stores never throw: a failed load is "nothing stored" (with a warning
 * when something was there but unusable), a failed save is a warning; the chain stays the truth.
 */
export interface SnapshotStore {
  /** The stored snapshot of `network`/`netuid`, or null when none is stored or it is unusable. */
  load(network: string, netuid: number): Promise<NeuronSnapshot | null>;
  /** Replaces the stored snapshot of `network`/`snapshot.netuid`. */
  save(network: string, snapshot: NeuronSnapshot): Promise<void>;
}

export interface FileSnapshotStoreOptions {
  /** Directory for the snapshot files (created on first save); default `.taogate/metagraph`. */
  dir?: string;
  logger: Logger;
}

export const DEFAULT_SNAPSHOT_DIR = '.taogate/metagraph';

/** The file a snapshot of `network`/`netuid` lives in under `dir`. */
export function snapshotFilePath(dir: string, network: string, netuid: number): string {
  // Network names may be URLs' host:port; keep file names portable.
  const safe = network.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dir, `metagraph-v${SNAPSHOT_VERSION}-${safe}-${netuid}.json`);
}

/** Snapshots as JSON files, written atomically (temp file, fsync, rename) so a crash never leaves half a file. */
export function createFileSnapshotStore(options: FileSnapshotStoreOptions): SnapshotStore {
  const dir = options.dir ?? DEFAULT_SNAPSHOT_DIR;
  const { logger } = options;
  return {
    async load(network, netuid) {
      const path = snapshotFilePath(dir, network, netuid);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          logger.warn({ err: error, path }, 'cannot read stored metagraph snapshot');
        }
        return null;
      }
      try {
        return parseSnapshot(text, { network, netuid });
      } catch (error) {
        logger.warn({ err: error, path, network, netuid }, `ignoring stored metagraph snapshot: ${(error as Error).message}`);
        return null;
      }
    },
    async save(network, snapshot) {
      const path = snapshotFilePath(dir, network, snapshot.netuid);
      const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await mkdir(dir, { recursive: true });
        const file = await open(temp, 'w', 0o644);
        try {
          await file.writeFile(serializeSnapshot(network, snapshot));
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        logger.warn({ err: error, path }, 'cannot save metagraph snapshot');
      }
    },
  };
}
