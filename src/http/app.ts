import { Hono } from 'hono';
import { GatewayError, toGatewayError } from '../errors/gatewayError.js';
import { errorResponse } from './errorResponse.js';
import { requestContext } from './requestContext.js';
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

/** Builds the HTTP app. Nothing starts here: `main` owns the server and the background work. */
export function createApp(deps: AppDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.use('*', requestContext(deps));
  registerInferenceRoutes(app, deps);
  registerModelRoutes(app, deps);
  registerMinerRoutes(app, deps);
  registerHealthRoutes(app, deps);

  app.notFound((c) => {
    const path = c.req.path;
    const known = KNOWN_ROUTES.find(([pattern]) => pattern.test(path));
    if (known !== undefined) {
      const error = new GatewayError('method_not_allowed', `Method ${c.req.method} is not allowed on ${path}; use ${known[1]}.`);
      return errorResponse(error, c.get('requestId'), { allow: known[1] });
    }
    return errorResponse(new GatewayError('not_found', `Unknown route: ${c.req.method} ${path}.`), c.get('requestId'));
  });

  app.onError((error, c) => {
    const gatewayError = toGatewayError(error);
    const requestId = c.get('requestId') ?? 'unknown';
    if (gatewayError.status >= 500 && gatewayError.code === 'internal_error') {
      deps.logger.error({ reqId: requestId, err: error }, 'unhandled error');
    }
    return errorResponse(gatewayError, requestId);
  });
  return app;
}
