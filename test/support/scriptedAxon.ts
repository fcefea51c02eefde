import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hotkeyFromSeed } from '../../src/identity/index.js';
import { verifyAxon, type AxonVerdict } from '../../src/protocols/axon.js';
import { scriptedMinerSeed } from './scriptedMiner.js';

/** What a scripted axon does with a verified synapse request. */
export type AxonBehaviour =
  /** Streams these byte chunks as separate writes, `gapMs` apart, then ends the response. */
  | { kind: 'chunks'; chunks: Buffer[]; gapMs?: number }
  /** The same, then destroys the socket instead of ending the response. */
  | { kind: 'cut'; chunks: Buffer[]; gapMs?: number }
  /** Answers the synapse as JSON (a non-streaming synapse), with these fields filled in. */
  | { kind: 'json'; fields: Record<string, unknown> }
  | { kind: 'status'; status: number; message?: string };

export interface AxonRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  verdict: AxonVerdict;
}

export interface ScriptedAxon {
  url: string;
  port: number;
  uid: number;
  hotkey: string;
  requests: AxonRequest[];
  behave(behaviour: AxonBehaviour): void;
  close(): Promise<void>;
}

export interface ScriptedAxonOptions {
  /** Signers the axon's blacklist lets through. */
  allow: readonly string[];
  synapse?: string;
  hashFields?: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real HTTP axon on 127.0.0.1 that verifies dendrite requests like a bittensor axon
 * (blacklist 403, verification 401, body hash 500, unknown synapse 404) and then answers
 * exactly the scripted bytes, so tests control how a stream is split into chunks.
 */
export async function startScriptedAxon(uid: number, initial: AxonBehaviour, options: ScriptedAxonOptions): Promise<ScriptedAxon> {
  const synapse = options.synapse ?? 'StreamPromptingSynapse';
  const hotkey = (await hotkeyFromSeed(scriptedMinerSeed(uid))).address;
  const nonces = new Map<string, bigint>();
  const requests: AxonRequest[] = [];
  let behaviour = initial;
  const server = createServer((req, res) => {
    void (async () => {
      const parts: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) parts.push(chunk);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      } catch { /* verified as an empty synapse */ }
      const send = (status: number, message: string): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message }));
      };
      if (req.url !== `/${synapse}`) return send(404, 'Synapse name not found');
      const verdict = verifyAxon({
        headers: req.headers, body, ownHotkey: hotkey, requiredHashFields: options.hashFields ?? ['messages'],
        isAllowedSigner: (signer) => options.allow.includes(signer), lastNonceStore: nonces,
      });
      requests.push({ path: req.url, headers: req.headers, body, verdict });
      if (!verdict.ok) return send(verdict.status, verdict.message);
      const now = behaviour;
      switch (now.kind) {
        case 'status':
          return send(now.status, now.message ?? `scripted ${now.status}`);
        case 'json':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ...body, ...now.fields }));
          return;
        case 'chunks':
        case 'cut':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.flushHeaders();
          for (const chunk of now.chunks) {
            await sleep(now.gapMs ?? 15);
            res.write(chunk);
          }
          await sleep(now.gapMs ?? 15);
          if (now.kind === 'cut') res.socket?.destroy();
          else res.end();
      }
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    uid,
    hotkey,
    requests,
    behave(next) {
      behaviour = next;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
