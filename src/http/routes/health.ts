import { GatewayError } from '../../errors/gatewayError.js';
import type { Hono } from 'hono';
import type { AppDeps, GatewayEnv } from '../types.js';
import { jsonResponse } from '../respond.js';

/** Liveness, readiness and Prometheus metrics. */
export function registerHealthRoutes(app: Hono<GatewayEnv>, deps: AppDeps): void {
  app.get('/healthz', (c) => jsonResponse(c, { status: 'ok' }));

  app.get('/readyz', async (c) => {
    const report = await deps.readiness();
    if (report.ready) return jsonResponse(c, { status: 'ready', checks: report.checks, ...report.info });
    const reasons = Object.entries(report.checks).filter(([, r]) => !r.ok).map(([name, r]) => `${name}: ${r.reason ?? 'not ready'}`);
    return jsonResponse(c, {
      ...new GatewayError('service_unavailable', `Not ready: ${reasons.join('; ')}`).toEnvelope(),
      status: 'not_ready',
      checks: report.checks,
      ...report.info,
    }, 503);
  });

  app.get('/metrics', async (c) => {
    const text = await deps.metrics.registry.metrics();
    return new Response(text, { headers: { 'content-type': deps.metrics.registry.contentType, 'x-request-id': c.get('scope').id } });
  });
}
