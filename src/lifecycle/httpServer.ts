import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

export interface HttpServerHandle {
  readonly server: Server;
  /** The bound address (port 0 resolves to a real port). */
  address(): AddressInfo;
  /** Requests being served right now (streams included). */
  inFlight(): number;
  /**
   * Stops accepting connections, lets in-flight requests finish until `deadlineMs`, then
   * closes whatever is left. Resolves when the server is closed.
   */
  drain(deadlineMs: number): Promise<{ drained: boolean; leftOver: number }>;
  /** Closes every connection at once (second signal). */
  kill(): void;
}

/** Starts the Node HTTP server for a fetch handler, with keep-alive tuned for load balancers. */
export async function startHttpServer(fetch: (req: Request, env: { incoming: IncomingMessage; outgoing: ServerResponse }) => Response | Promise<Response>, host: string, port: number): Promise<HttpServerHandle> {
  const server = createAdaptorServer({ fetch: fetch as never, hostname: host, port }) as Server;
  // Longer than common load-balancer idle timeouts (nginx 60 s, AWS ALB 60 s), so the
  // balancer, not the gateway, closes idle keep-alive connections: no reset races.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Whole-request timeout off: streams legitimately last minutes; the pipeline has its own deadline.
  server.requestTimeout = 0;
  let active = 0;
  let draining = false;
  const idleWaiters: Array<() => void> = [];
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    active++;
    // While draining, tell keep-alive clients (and nginx) to open their next request elsewhere.
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      active--;
      if (active === 0) for (const resolve of idleWaiters.splice(0)) resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    address: () => server.address() as AddressInfo,
    inFlight: () => active,
    async drain(deadlineMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idle = active === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), deadlineMs); });
      const outcome = await Promise.race([idle.then(() => 'idle' as const), timedOut]);
      clearTimeout(timer);
      const leftOver = active;
      server.closeAllConnections();
      await closed;
      return { drained: outcome === 'idle', leftOver };
    },
    kill() {
      draining = true;
      server.close();
      server.closeAllConnections();
    },
  };
}
