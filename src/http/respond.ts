import type { Context } from 'hono';
import type { GatewayEnv } from './types.js';

/**
 * A JSON response carrying the request id. Built as a plain Response with plain headers,
 * which @hono/node-server writes without materialising a Headers object.
 */
export function jsonResponse(c: Context<GatewayEnv>, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': c.get('scope').id, ...headers },
  });
}
