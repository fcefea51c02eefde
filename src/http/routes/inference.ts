import type { Context, Hono } from 'hono';
import type { Endpoint } from '../../openai/types.js';
import type { InferenceContext, InferenceResult, ResultMeta } from '../../pipeline/inference.js';
import { parseDirectives } from '../../cache/policy.js';
import { withHeaders } from '../errorResponse.js';
import { readBodyText } from '../body.js';
import { RequestMemo } from '../requestMemo.js';
import { sseResponse, sseWholeResponse } from '../sse.js';
import { Cancellation } from '../../lifecycle/cancellation.js';
import type { AppDeps, GatewayEnv } from '../types.js';

/**
 * `POST /v1/chat/completions` and `POST /v1/completions`: API key, validate, rate limits, run
 * the pipeline, render. The key is checked before the body is even read; every response,
 * errors included, says what the cache did (`x-taogate-cache`).
 */
export function registerInferenceRoutes(app: Hono<GatewayEnv>, deps: AppDeps): void {
  const requests = new RequestMemo();
  const handler = (endpoint: Endpoint) => async (c: Context<GatewayEnv>): Promise<Response> => {
    let ctx: InferenceContext | undefined;
    try {
      const auth = deps.access.authenticate(c.req.header('authorization'));
      const principal = auth instanceof Promise ? await auth : auth;
      const request = requests.parse(endpoint, await readBodyText(c, deps.bodyLimitBytes));
      const admitted = deps.access.admit(principal, request);
      const admission = admitted instanceof Promise ? await admitted : admitted;
      ctx = {
        requestId: c.get('requestId'),
        cancellation: clientCancellation(c),
        cacheDirectives: parseDirectives(c.req.header('cache-control'), c.req.header('x-taogate-cache')),
        keyId: principal.id,
        answered: admission.answered,
      };
      const strategyOverride = c.req.header('x-taogate-strategy');
      if (strategyOverride !== undefined) ctx.strategyOverride = strategyOverride;
      const kOverride = c.req.header('x-taogate-k');
      if (kOverride !== undefined) ctx.kOverride = kOverride;
      return respond(c, await deps.pipeline.run(request, ctx), admission.headers);
    } catch (error) {
      throw withHeaders(error, { 'x-taogate-cache': ctx?.cache ?? 'BYPASS' });
    }
  };

  const respond = (c: Context<GatewayEnv>, result: InferenceResult, limitHeaders: Record<string, string> | undefined): Response => {
    c.set('resultMeta', result.meta);
    const headers = resultHeaders(result.meta, c.get('requestId'), deps.exposeMinerHeaders);
    if (limitHeaders !== undefined) Object.assign(headers, limitHeaders);
    if (result.kind === 'json') {
      headers['content-type'] = 'application/json';
      return new Response(result.text, { status: 200, headers });
    }
    if (result.kind === 'replay') return sseWholeResponse(result.whole, headers);
    return sseResponse(c.env?.outgoing, result.events, headers, {
      ended: (how) => {
        if (how !== 'done') deps.metrics.streamsAborted.inc({ reason: how });
      },
    });
  };
  app.post('/v1/chat/completions', handler('chat'));
  app.post('/v1/completions', handler('completions'));
}

/**
 * Cancelled when the client disconnects before its response is complete. Over a real
 * socket that is the response's 'close' event (cheaper than the Request's AbortSignal);
 * in-process requests fall back to the signal.
 */
function clientCancellation(c: Context<GatewayEnv>): Cancellation {
  const outgoing = c.env?.outgoing;
  if (outgoing === undefined) return Cancellation.fromSignal(c.req.raw.signal);
  const cancellation = new Cancellation();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) cancellation.cancel(new Error('client disconnected'));
  });
  return cancellation;
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
