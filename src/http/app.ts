import { Hono } from 'hono';
import { GatewayError } from '../errors/gatewayError.js';
import { errorResponse, renderError } from './errorResponse.js';
import { RequestScope, ScopeRecorder, routeOf, scopeMiddleware } from './requestScope.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerInferenceRoutes } from './routes/inference.js';
import { registerMinerRoutes } from './routes/miners.js';
import { registerModelRoutes } from './routes/models.js';
import type { AppDeps, GatewayEnv } from './types.js';

/** The routes that exist, for 405s on a wrong method instead of a misleading 404. */
const KNOWN_ROUTES: Array<[RegExp, string]> = [
  [/^\/v1\/(chat\/)?completions$/, 'POST'],
  [/^\/v1\/models(\/.+)?$/, 'GET'],
  [/^\/v1\/miners$/, 'GET'],
  [/^\/(healthz|readyz|metrics)$/, 'GET'],
];

/** Routes whose requests get their scope from a middleware (the inference routes open their own). */
const SCOPED_BY_MIDDLEWARE = ['/v1/models', '/v1/models/*', '/v1/miners', '/healthz', '/readyz', '/metrics'];

/** Builds the HTTP app. Nothing starts here: `main` owns the server and the background work. */
export function createApp(deps: AppDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const recorder = new ScopeRecorder(deps.metrics, deps.logger);
  const scoped = scopeMiddleware(recorder);
  for (const path of SCOPED_BY_MIDDLEWARE) app.use(path, scoped);
  registerInferenceRoutes(app, deps, recorder);
  registerModelRoutes(app, deps);
  registerMinerRoutes(app, deps);
  registerHealthRoutes(app, deps);

  app.notFound((c) => {
    // No route matched, so no middleware ran either: this request may have no scope yet.
    // (Inference handlers keep theirs to themselves: they render their own errors.)
    const scope = c.get('scope') ?? new RequestScope(c, recorder, 'unmatched');
    const path = c.req.path;
    const known = KNOWN_ROUTES.find(([pattern]) => pattern.test(path));
    if (known !== undefined) {
      const error = new GatewayError('method_not_allowed', `Method ${c.req.method} is not allowed on ${path}; use ${known[1]}.`);
      return scope.finish(errorResponse(error, scope.id, { allow: known[1] }), 'unmatched');
    }
    return scope.finish(errorResponse(new GatewayError('not_found', `Unknown route: ${c.req.method} ${path}.`), scope.id), 'unmatched');
  });

  app.onError((error, c) => {
    const scope = c.get('scope');
    const response = renderError(error, scope?.id ?? 'unknown', deps.logger);
    return scope === undefined ? response : scope.finish(response, routeOf(c));
  });
  return app;
}
