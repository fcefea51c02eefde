import type { Hono } from 'hono';
import { modelNotFound } from '../../errors/gatewayError.js';
import type { ModelEntry } from '../../pipeline/modelCatalog.js';
import type { AppDeps, GatewayEnv } from '../types.js';
import { jsonResponse } from '../respond.js';

/** `GET /v1/models` and `GET /v1/models/{id}` in OpenAI's list format (ids may contain '/'); API key required like inference. */
export function registerModelRoutes(app: Hono<GatewayEnv>, deps: AppDeps): void {
  const render = (model: ModelEntry) => ({ id: model.name, object: 'model', created: deps.catalog.created, owned_by: model.config.ownedBy });
  app.get('/v1/models', async (c) => {
    await deps.access.authenticate(c.req.header('authorization'));
    return jsonResponse(c, { object: 'list', data: deps.catalog.list().map(render) });
  });
  app.get('/v1/models/:id{.+}', async (c) => {
    await deps.access.authenticate(c.req.header('authorization'));
    const id = c.req.param('id');
    const model = deps.catalog.get(id);
    if (model === undefined) {
      throw modelNotFound(id);
    }
    return jsonResponse(c, render(model));
  });
}
