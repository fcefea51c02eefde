import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { Cancellation } from '../lifecycle/cancellation.js';
import { AccessLog } from '../logging/accessLog.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ResultMeta } from '../pipeline/inference.js';
import type { GatewayEnv } from './types.js';

const CLIENT_ID = /^[\w.:@/+=-]{1,128}$/;

/** Routes polled by orchestrators and scrapers: counted in metrics, kept out of the access log. */
const UNLOGGED = new Set(['/metrics', '/healthz', '/readyz']);

/** What every request scope of an app shares. */
export class ScopeRecorder {
  readonly metrics: Metrics;
  readonly #accessLog: AccessLog;

  constructor(metrics: Metrics, logger: Logger) {
    this.metrics = metrics;
    this.#accessLog = new AccessLog(logger);
  }

  record(scope: RequestScope, route: string, method: string, status: number, seconds: number): void {
    const { metrics } = this;
    metrics.httpInFlight.value--;
    metrics.httpRequests.cell(route, method, String(status)).inc();
    metrics.httpDuration.cell(route, method).observe(seconds);
    if (UNLOGGED.has(route)) return;
    const meta = scope.meta;
    // Requests that reached miners (a cache hit asked none).
    if (meta !== undefined && meta.asked > 0) metrics.fanoutAsked.cell(meta.model, meta.strategy).observe(meta.asked);
    this.#accessLog.write({
      reqId: scope.id, method, route, status, ms: Math.round(seconds * 10_000) / 10,
      model: meta?.model, miner: meta?.miner?.uid, asked: meta?.asked, cache: meta?.cache,
    });
  }
}

/**
 * One HTTP request as the gateway tracks it: its id (the client's own `x-request-id` when it
 * is sane), its metrics and access-log line, written once the response is really over (for
 * streams that is the last byte or the client leaving, not when the handler returns), and
 * the cancellation that tells the pipeline the client has gone.
 *
 * Over a real socket all of this hangs off one 'close' listener on the Node response. The
 * inference routes open their scope themselves instead of through a middleware: with no
 * middleware on a route, Hono calls its handler directly, without composing a chain of
 * async functions around it on every request.
 */
export class RequestScope {
  readonly id: string;
  /** What the pipeline did, for the access log. */
  meta: ResultMeta | undefined;
  readonly #recorder: ScopeRecorder;
  readonly #c: Context<GatewayEnv>;
  readonly #outgoing: ServerResponse | undefined;
  readonly #startedAt = performance.now();
  #route: string;
  #status = 0;
  #cancellation: Cancellation | undefined;
  #recorded = false;

  constructor(c: Context<GatewayEnv>, recorder: ScopeRecorder, route: string) {
    const offered = requestHeader(c, 'x-request-id');
    this.id = offered !== undefined && CLIENT_ID.test(offered) ? offered : randomUUID();
    this.#c = c;
    this.#recorder = recorder;
    this.#route = route;
    this.#outgoing = c.env?.outgoing;
    recorder.metrics.httpInFlight.value++;
    this.#outgoing?.on('close', () => this.#closed());
  }

  /** Cancelled when the client disconnects before its response is complete. */
  get cancellation(): Cancellation {
    if (this.#cancellation === undefined) {
      // In-process requests (tests) have no Node response: follow the Request's signal.
      this.#cancellation = this.#outgoing === undefined ? Cancellation.fromSignal(this.#c.req.raw.signal) : new Cancellation();
    }
    return this.#cancellation;
  }

  /**
   * The response this request gets (the first one given counts); it is recorded once sent,
   * at once when there is no socket.
   */
  finish(response: Response, route?: string): Response {
    if (this.#status !== 0) return response;
    this.#status = response.status;
    if (route !== undefined) this.#route = route;
    if (this.#outgoing === undefined || this.#outgoing.writableFinished || this.#outgoing.destroyed) this.#record(this.#status);
    return response;
  }

  #closed(): void {
    const outgoing = this.#outgoing!;
    if (!outgoing.writableFinished) {
      this.#cancellation?.cancel(new Error('client disconnected'));
      this.#record(499);
      return;
    }
    this.#record(this.#status === 0 ? outgoing.statusCode : this.#status);
  }

  #record(status: number): void {
    if (this.#recorded) return;
    this.#recorded = true;
    this.#recorder.record(this, this.#route, this.#c.req.method, status, (performance.now() - this.#startedAt) / 1000);
  }
}

/**
 * For routes that are not on the hot path: opens the request's scope before the handler and
 * hands it the response afterwards, whatever the route's pattern turned out to be.
 */
export function scopeMiddleware(recorder: ScopeRecorder): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const scope = new RequestScope(c, recorder, 'unmatched');
    // For the route's handler (the request id), notFound and onError.
    c.set('scope', scope);
    await next();
    scope.finish(c.res, routeOf(c));
  };
}

/** The route pattern that answered (for metrics labels: bounded, unlike paths). */
export function routeOf(c: Context<GatewayEnv>): string {
  const route = c.req.routePath;
  return route === '/*' || route === '*' ? 'unmatched' : route;
}

/**
 * A request header. Over a real socket it is read from Node's own parsed headers (names
 * already lower-case, values already validated by its parser); @hono/node-server's Headers
 * view validates and normalises the name and the value again on every lookup.
 */
export function requestHeader(c: Context<GatewayEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (incoming === undefined) return c.req.header(name);
  const value = incoming.headers[name];
  return typeof value === 'string' ? value : value?.join(', ');
}
