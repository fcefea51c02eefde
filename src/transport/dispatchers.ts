import { Agent, type Dispatcher } from 'undici';

/** Builds the socket for a miner connection; the address guard plugs in here. */
export type ConnectorFactory = (connectTimeoutMs: number) => Agent.Options['connect'];

/**
 * Keep-alive connection pools to miners, one undici Agent per connect timeout (models with
 * the same timeout share pools, so a miner serving two models keeps one set of sockets).
 */
export class MinerDispatchers {
  readonly #agents = new Map<number, Agent>();
  readonly #connector: ConnectorFactory | undefined;

  constructor(connector?: ConnectorFactory) {
    this.#connector = connector;
  }

  get(connectTimeoutMs: number): Dispatcher {
    let agent = this.#agents.get(connectTimeoutMs);
    if (agent === undefined) {
      agent = new Agent({
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 120_000,
        // Per miner origin; a miner that needs more is overloaded anyway.
        connections: 128,
        pipelining: 1,
        connect: this.#connector?.(connectTimeoutMs) ?? { timeout: connectTimeoutMs },
      });
      this.#agents.set(connectTimeoutMs, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((agent) => agent.close().catch(() => agent.destroy())));
  }
}
