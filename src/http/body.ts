import type { Context } from 'hono';
import { GatewayError } from '../errors/gatewayError.js';
import type { GatewayEnv } from './types.js';
import { requestHeader } from './requestScope.js';

/**
 * The request body as text, refused with 413 as soon as it passes the limit (declared or
 * actual size), so a huge body never sits in memory, and with 400 when empty.
 */
export async function readBodyText(c: Context<GatewayEnv>, limit: number): Promise<string> {
  const declared = requestHeader(c, 'content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const bytes = await readBytes(c, limit);
  if (bytes.length === 0) throw new GatewayError('invalid_json', 'The request body is empty; send a JSON object.');
  return bytes.toString('utf8');
}

/** JSON.parse with the gateway's 400 for bodies that are not JSON. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_json', 'We could not parse the JSON body of your request. Send valid JSON with Content-Type: application/json.');
  }
}

async function readBytes(c: Context<GatewayEnv>, limit: number): Promise<Buffer> {
  const incoming = c.env?.incoming;
  if (incoming === undefined) {
    const bytes = Buffer.from(await c.req.arrayBuffer());
    if (bytes.length > limit) throw tooLarge(limit);
    return bytes;
  }
  // Plain events, not an async iterator: this runs on every request.
  return await new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        incoming.pause();
        reject(tooLarge(limit));
        return;
      }
      parts.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      if (incoming.readableEnded) return;
      cleanup();
      reject(new Error('client closed the connection before sending the whole body'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

function tooLarge(limit: number): GatewayError {
  // The rest of the body is not read: closing the connection is cheaper than draining it.
  return new GatewayError('request_too_large', `The request body exceeds the limit of ${limit} bytes.`, { headers: { connection: 'close' } });
}
