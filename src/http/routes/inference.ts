import type { Context, Hono } from 'hono';
import { parseInferenceRequest } from '../../openai/request.js';
import type { Endpoint } from '../../openai/types.js';
import type { ResultMeta } from '../../pipeline/inference.js';
import { readJsonBody } from '../body.js';
import { sseResponse } from '../sse.js';
import { Cancellation } from '../../lifecycle/cancellation.js';
import type { AppDeps, GatewayEnv } from '../types.js';

/** `POST /v1/chat/completions` and `POST /v1/completions`: validate, run the pipeline, render. */
export function registerInferenceRoutes(app: Hono<GatewayEnv>, deps: AppDeps): void {
  const handler = (endpoint: Endpoint) => async (c: Context<GatewayEnv>): Promise<Response> => {
    const body = await readJsonBody(c, deps.bodyLimitBytes);
    const request = parseInferenceRequest(endpoint, body);
    const result = await deps.pipeline.run(request, {
      requestId: c.get('requestId'),
      cancellation: clientCancellation(c),
      ...optional('strategyOverride', c.req.header('x-taogate-strategy')),
      ...optional('kOverride', c.req.header('x-taogate-k')),
    });
    c.set('resultMeta', result.meta);
    const headers = resultHeaders(result.meta, c.get('requestId'), deps.exposeMinerHeaders);
    if (result.kind === 'json') {
      return new Response(JSON.stringify(result.body), { status: 200, headers: { ...headers, 'content-type': 'application/json' } });
    }
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

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function resultHeaders(meta: ResultMeta, requestId: string, exposeMiner: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': requestId, 'x-taogate-cache': meta.cache };
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
