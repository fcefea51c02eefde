import type { Hono } from 'hono';
import type { AppDeps, GatewayEnv } from '../types.js';

/** Liveness, readiness and Prometheus metrics. */
export function registerHealthRoutes(app: Hono<GatewayEnv>, deps: AppDeps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const report = await deps.readiness();
    if (report.ready) return c.json({ status: 'ready', checks: report.checks, ...report.info });
    const reasons = Object.entries(report.checks).filter(([, r]) => !r.ok).map(([name, r]) => `${name}: ${r.reason ?? 'not ready'}`);
    return c.json({
      error: { message: `Not ready: ${reasons.join('; ')}`, type: 'server_error', param: null, code: 'service_unavailable' },
      status: 'not_ready',
      checks: report.checks,
      ...report.info,
    }, 503);
  });

  app.get('/metrics', async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': deps.metrics.registry.contentType });
  });
}
