import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AccessLog } from '../logging/accessLog.js';
import type { AppDeps, GatewayEnv } from './types.js';

const CLIENT_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Responses carry the id because every handler builds them with it (see respond.ts): the
 * middleware never touches response headers, which would force node-server off its fast path.
 *
 * Gives each request an id (the client's own `x-request-id` when it is sane), and records
 * the request in metrics and one access-log line when the response is really over: for
 * streams that is the last byte (or the client leaving), not when the handler returns.
 */
export function requestContext(deps: AppDeps): MiddlewareHandler<GatewayEnv> {
  const accessLog = new AccessLog(deps.logger);
  return async (c, next) => {
    const startedAt = performance.now();
    const offered = c.req.header('x-request-id');
    const requestId = offered !== undefined && CLIENT_ID.test(offered) ? offered : randomUUID();
    c.set('requestId', requestId);
    c.set('startedAt', startedAt);
    deps.metrics.httpInFlight.inc();
    await next();

    const outgoing = c.env?.outgoing;
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      deps.metrics.httpInFlight.dec();
      const route = c.req.routePath === '/*' || c.req.routePath === '*' ? 'unmatched' : c.req.routePath;
      const clientGone = outgoing !== undefined && !outgoing.writableFinished;
      const status = clientGone ? 499 : c.res.status;
      const seconds = (performance.now() - startedAt) / 1000;
      deps.metrics.httpRequests.inc({ route, method: c.req.method, status: String(status) });
      deps.metrics.httpDuration.observe({ route, method: c.req.method }, seconds);
      if (route === '/metrics' || route === '/healthz' || route === '/readyz') return;
      const meta = c.get('resultMeta');
      accessLog.write({
        reqId: requestId, method: c.req.method, route, status, ms: Math.round(seconds * 10_000) / 10,
        model: meta?.model, miner: meta?.miner?.uid, asked: meta?.asked, cache: meta?.cache,
      });
    };
    if (outgoing === undefined) record();
    else if (outgoing.writableFinished || outgoing.destroyed) record();
    else outgoing.once('close', record);
  };
}
