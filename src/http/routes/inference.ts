import type { Context, Hono } from 'hono';
import type { Endpoint } from '../../openai/types.js';
import type { InferenceContext, InferenceResult, ResultMeta } from '../../pipeline/inference.js';
import { parseDirectives } from '../../cache/policy.js';
import { renderError, withHeaders } from '../errorResponse.js';
import { readBodyText } from '../body.js';
import { RequestMemo } from '../requestMemo.js';
import { sseResponse, sseWholeResponse } from '../sse.js';
import { afterIoTurn } from '../../lifecycle/ioBatch.js';
import type { AppDeps, GatewayEnv } from '../types.js';
import { RequestScope, requestHeader, type ScopeRecorder } from '../requestScope.js';

/**
 * `POST /v1/chat/completions` and `POST /v1/completions`: API key, validate, rate limits, run
 * the pipeline, render. The key is checked before the body is even read; every response,
 * errors included, says what the cache did (`x-taogate-cache`). Errors are rendered here
 * rather than thrown to Hono's onError, so each request's scope sees its own response.
 */
export function registerInferenceRoutes(app: Hono<GatewayEnv>, deps: AppDeps, recorder: ScopeRecorder): void {
  const requests = new RequestMemo();
  const handler = (endpoint: Endpoint, route: string) => async (c: Context<GatewayEnv>): Promise<Response> => {
    const scope = new RequestScope(c, recorder, route);
    let ctx: InferenceContext | undefined;
    try {
      const auth = deps.access.authenticate(requestHeader(c, 'authorization'));
      const principal = auth instanceof Promise ? await auth : auth;
      const request = requests.parse(endpoint, await readBodyText(c, deps.bodyLimitBytes));
      const admitted = deps.access.admit(principal, request);
      const admission = admitted instanceof Promise ? await admitted : admitted;
      ctx = {
        requestId: scope.id,
        cancellation: scope.cancellation,
        cacheDirectives: parseDirectives(requestHeader(c, 'cache-control'), requestHeader(c, 'x-taogate-cache')),
        keyId: principal.id,
        answered: admission.answered,
      };
      const strategyOverride = requestHeader(c, 'x-taogate-strategy');
      if (strategyOverride !== undefined) ctx.strategyOverride = strategyOverride;
      const kOverride = requestHeader(c, 'x-taogate-k');
      if (kOverride !== undefined) ctx.kOverride = kOverride;
      const result = await deps.pipeline.run(request, ctx);
      // Answers leave together, once this turn's input is handled (see ioBatch.ts); streams
      // batch their writes themselves (sse.ts).
      if (result.kind !== 'stream') await afterIoTurn();
      return scope.finish(respond(c, scope, result, admission.headers));
    } catch (error) {
      return scope.finish(renderError(withHeaders(error, { 'x-taogate-cache': ctx?.cache ?? 'BYPASS' }), scope.id, deps.logger));
    }
  };

  const respond = (c: Context<GatewayEnv>, scope: RequestScope, result: InferenceResult, limitHeaders: Record<string, string> | undefined): Response => {
    scope.meta = result.meta;
    const headers = resultHeaders(result.meta, scope.id, deps.exposeMinerHeaders);
    if (limitHeaders !== undefined) Object.assign(headers, limitHeaders);
    if (result.kind === 'json') {
      headers['content-type'] = 'application/json';
      return new Response(result.text, { status: 200, headers });
    }
    if (result.kind === 'replay') return sseWholeResponse(result.whole, headers);
    return sseResponse(c.env?.outgoing, result.events, headers, {
      ended: (how) => {
        if (how !== 'done') deps.metrics.streamsAborted.cell(how).inc();
      },
    });
  };
  app.post('/v1/chat/completions', handler('chat', '/v1/chat/completions'));
  app.post('/v1/completions', handler('completions', '/v1/completions'));
}

function resultHeaders(meta: ResultMeta, requestId: string, exposeMiner: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': requestId, 'x-taogate-cache': meta.cache };
  if (meta.cacheAgeSeconds !== undefined) headers.age = String(meta.cacheAgeSeconds);
  if (exposeMiner) {
    headers['x-taogate-strategy'] = meta.strategy;
    headers['x-taogate-miners-asked'] = String(meta.asked);
    if (meta.miner !== undefined) {
      headers['x-taogate-miner-uid'] = String(meta.miner.uid);
      headers['x-taogate-miner-hotkey'] = meta.miner.hotkey;
    }
  }
  return headers;
}
