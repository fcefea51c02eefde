import type { ModelConfig } from '../config/modelSchema.js';
import type { MinerPool } from '../metagraph/minerPool.js';

/** A public model: its config and the pool of miners that serve it. */
export interface ModelEntry {
  name: string;
  config: ModelConfig;
  pool: MinerPool;
}

/** The models the gateway serves, by public name. */
export class ModelCatalog {
  readonly #models: ReadonlyMap<string, ModelEntry>;
  /** Unix seconds reported as `created` for every model (when this catalog was built). */
  readonly created: number;

  constructor(models: Iterable<ModelEntry>, nowMs: number) {
    this.#models = new Map([...models].map((m) => [m.name, m]));
    this.created = Math.floor(nowMs / 1000);
  }

  get(name: string): ModelEntry | undefined {
    return this.#models.get(name);
  }

  list(): ModelEntry[] {
    return [...this.#models.values()];
  }
}
