import type { Signer } from '../identity/types.js';
import { signEpistula } from '../protocols/epistula.js';
import type { MinerDispatchers } from './dispatchers.js';
import { OpenAICompatibleTransport } from './openaiTransport.js';
import type { MinerCall } from './types.js';

/**
 * Epistula v2 (PROTOCOLS.md §2): the OpenAI-compatible transport with every request signed
 * over the exact body bytes sent, for the miner it goes to (`Epistula-Signed-For` is the
 * miner's hotkey, so a request captured on the way to one miner is refused by all others).
 * Each attempt is signed afresh: a retry on another miner gets its own uuid and timestamp.
 *
 * Signing stays inline: the WASM sr25519 signature costs about as much as a worker round trip
 * (see bench/sr25519.ts), so moving it off the event loop would only add latency.
 */
export function createEpistulaTransport(dispatchers: MinerDispatchers, signer: () => Signer, now: () => number = Date.now): OpenAICompatibleTransport {
  return new OpenAICompatibleTransport('epistula', dispatchers, (call, body) => {
    const nowMs = now();
    return {
      ...signEpistula({ body, signer: signer(), signedFor: call.miner.hotkey, nowMs }),
      // SN1 validators tell miners how long they will wait; miners stop generating after that.
      'X-Client-Timeout': String(clientTimeoutSeconds(call, nowMs)),
    };
  });
}

/** Whole seconds this call may still take (at least 1). */
export function clientTimeoutSeconds(call: Pick<MinerCall, 'deadline' | 'model'>, nowMs: number): number {
  const remainingMs = Math.min(call.deadline - nowMs, call.model.timeouts.totalMs);
  return Math.max(1, Math.floor(remainingMs / 1000));
}
