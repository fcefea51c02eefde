import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

export interface DrainOptions {
  /** In-flight requests and streams may take this long; whatever is left is then cut. */
  deadlineMs: number;
  /**
   * How long an idle keep-alive connection is left to its client before the server closes
   * it (see `server.shutdownIdleMs`). 0 closes idle connections at once.
   */
  idleMs: number;
}

export interface HttpServerHandle {
  readonly server: Server;
  /** The bound address (port 0 resolves to a real port). */
  address(): AddressInfo;
  /** Requests being served right now (streams included). */
  inFlight(): number;
  /**
   * Stops accepting connections, serves what still arrives on open connections with
   * `Connection: close`, lets in-flight requests finish and clients close their idle
   * connections, and after `deadlineMs` closes whatever is left. Resolves when the server is closed.
   */
  drain(options: DrainOptions): Promise<{ drained: boolean; leftOver: number }>;
  /** Closes every connection at once (second signal). */
  kill(): void;
}

/** Per connection: requests under way on it, and since when it has been idle. */
interface ConnectionState {
  active: number;
  idleSince: number;
  /**
   * Its responses under way (more than one only with pipelining), for a drain to mark.
   * Kept per connection rather than in one server-wide Set on purpose: adding and deleting
   * every response in a long-lived Set made ~2.4 KB of each request survive into V8's old
   * generation (promoted bytes per request, `node --trace-gc-nvp`, 2,400 -> 8 on cache hits),
   * and the garbage collection that followed cost 7 µs of CPU per cache hit.
   */
  responses: ServerResponse[];
}

/** How often a drain looks for connections idle past `idleMs`. */
const IDLE_SWEEP_MS = 100;

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
  const connections = new Map<Socket, ConnectionState>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { active: 0, idleSince: performance.now(), responses: [] });
    socket.once('close', () => connections.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    active++;
    const connection = connections.get(req.socket);
    if (connection !== undefined) {
      connection.active++;
      connection.responses.push(res);
    }
    // While draining, tell keep-alive clients (and nginx) to open their next request elsewhere.
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      active--;
      if (connection !== undefined) {
        const at = connection.responses.indexOf(res);
        if (at >= 0) connection.responses.splice(at, 1);
        connection.active--;
        connection.idleSince = performance.now();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  /** Closes connections with nothing under way that have been idle for `idleMs`. */
  const closeIdle = (idleMs: number): void => {
    const now = performance.now();
    for (const [socket, state] of connections) {
      if (state.active === 0 && now - state.idleSince >= idleMs) socket.destroy();
    }
  };

  return {
    server,
    address: () => server.address() as AddressInfo,
    inFlight: () => active,
    async drain({ deadlineMs, idleMs }) {
      draining = true;
      // Answers not started yet close their connection when done, instead of leaving it idle.
      for (const connection of connections.values()) {
        for (const res of connection.responses) if (!res.headersSent) res.setHeader('connection', 'close');
      }
      // Stop listening without http's close(), which also destroys every idle keep-alive
      // connection at once: a balancer may be writing a request onto one at that very moment,
      // and a POST lost that way is an error for the client (nginx does not retry it by default).
      // Idle connections are left to their client until `idleMs` instead; the balancer either
      // closes them (its keep-alive timeout is shorter) or sends one last request, answered
      // with `Connection: close`.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      closeIdle(idleMs);
      const sweep = setInterval(() => closeIdle(idleMs), Math.min(IDLE_SWEEP_MS, Math.max(idleMs, 1)));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), deadlineMs); });
      const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
      clearTimeout(timer);
      clearInterval(sweep);
      const leftOver = active;
      server.closeAllConnections();
      await closed;
      // http's own close() now only stops its timeout-checking timer: nothing is left to close.
      server.close();
      return { drained: outcome === 'closed' || leftOver === 0, leftOver };
    },
    kill() {
      draining = true;
      server.close();
      server.closeAllConnections();
    },
  };
}
