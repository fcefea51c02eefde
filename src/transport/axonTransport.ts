import { randomUUID } from 'node:crypto';
import type { AxonMapping } from '../config/axonSchema.js';
import type { Signer } from '../identity/types.js';
import { AnswerBuilder } from '../openai/answerBuilder.js';
import type { Answer } from '../openai/types.js';
import { axonBodyHash, buildAxonHeaders, createNonceSource } from '../protocols/axon.js';
import { synapseFields } from './axonSynapse.js';
import { rawTextStream, answerFromSynapse } from './axonStream.js';
import type { MinerDispatchers } from './dispatchers.js';
import { openExchange, type Exchange } from './httpExchange.js';
import { MinerError } from './minerError.js';
import { originOf } from './openaiTransport.js';
import { mergeHeaders } from './requestHeaders.js';
import type { CallTiming, MinerCall, MinerStream, Transport } from './types.js';
import { answeredJson, wholeAnswerStream } from './wholeAnswerStream.js';

/**
 * Axons do not check the dendrite's IP (only log it), and the gateway's public address is not
 * known locally; the Python SDK looks it up on the internet, which we do not do.
 */
const DENDRITE_IP = '0.0.0.0';

/**
 * Classic dendrite requests (PROTOCOLS.md §3): `POST http://ip:port/<Synapse>` with the synapse
 * as JSON, signed headers over its body hash. The model's `axon` mapping says which fields to
 * send and where the answer is. Statuses go through the shared mapping in httpExchange, which
 * fits axons as is: 401 (not verified) and 403 (blacklisted) are per-miner and retried
 * elsewhere; 408 is a timeout; 500 covers both a failing forward and a body-hash mismatch, which
 * the axon reports as the same opaque "Internal Server Error", so it stays retryable.
 */
export class AxonTransport implements Transport {
  readonly protocol = 'axon' as const;
  readonly #dispatchers: MinerDispatchers;
  readonly #signer: () => Signer;
  /** One dendrite uuid per process, with strictly increasing nonces, as the SDK's dendrite. */
  readonly #uuid = randomUUID();
  readonly #nonce = createNonceSource();

  constructor(dispatchers: MinerDispatchers, signer: () => Signer) {
    this.#dispatchers = dispatchers;
    this.#signer = signer;
  }

  async complete(call: MinerCall): Promise<{ answer: Answer; timing: CallTiming }> {
    const mapping = mappingOf(call);
    const exchange = await this.#open(call, mapping);
    if (!mapping.streaming || answeredJson(exchange)) {
      const answer = answerFromSynapse(call.request.endpoint, await exchange.readAll(), mapping.responseField ?? 'completion');
      return { answer, timing: { startedAt: exchange.startedAt, firstByteMs: exchange.headersMs } };
    }
    const stream = rawTextStream(call.request.endpoint, exchange);
    const builder = new AnswerBuilder(call.request.endpoint);
    try {
      for await (const batch of stream) for (const delta of batch) builder.push(delta);
    } finally {
      stream.close();
    }
    return { answer: builder.build(), timing: stream.timing };
  }

  async stream(call: MinerCall): Promise<MinerStream> {
    const mapping = mappingOf(call);
    const exchange = await this.#open(call, mapping);
    // A streaming synapse whose miner answered the whole synapse as JSON is still usable.
    if (mapping.streaming && !answeredJson(exchange)) return rawTextStream(call.request.endpoint, exchange);
    return wholeAnswerStream(answerFromSynapse(call.request.endpoint, await exchange.readAll(), mapping.responseField ?? 'completion'), exchange);
  }

  async close(): Promise<void> {
    // Pools belong to MinerDispatchers.
  }

  #open(call: MinerCall, mapping: AxonMapping): Promise<Exchange> {
    const { miner, model } = call;
    const fields = synapseFields(mapping, call.request, model.upstreamModel ?? call.modelName);
    const timeoutSec = Math.max(1, Math.min(call.deadline - Date.now(), model.timeouts.totalMs)) / 1000;
    const synapse = { name: mapping.synapse, timeout: timeoutSec, ...fields };
    const body = Buffer.from(JSON.stringify(synapse));
    const signer = this.#signer();
    const protocolHeaders = buildAxonHeaders({
      synapseName: mapping.synapse,
      timeoutSec,
      axon: { ip: miner.host, port: miner.port, hotkey: miner.hotkey },
      dendrite: { ip: DENDRITE_IP, hotkey: signer.address, uuid: this.#uuid },
      // Taken last, right before sending: nonces must reach each axon in increasing order.
      nonce: this.#nonce(),
      bodyHash: axonBodyHash(fields, mapping.hashFields),
      signer,
      requiredFields: Object.fromEntries(mapping.requiredFields.filter((f) => f in fields).map((f) => [f, fields[f]])),
    });
    return openExchange({
      dispatcher: this.#dispatchers.get(model.timeouts.connectMs),
      origin: originOf(miner.host, miner.port),
      path: `/${mapping.synapse}`,
      headers: mergeHeaders(model.headers, { 'content-type': 'application/json', accept: mapping.streaming ? 'text/event-stream' : 'application/json' }, protocolHeaders),
      body,
      cancellation: call.cancellation,
      timeouts: model.timeouts,
      deadline: call.deadline,
      maxBytes: model.maxResponseBytes,
      streaming: mapping.streaming,
    });
  }
}

function mappingOf(call: MinerCall): AxonMapping {
  // The config schema refuses an axon model without a mapping; this is a programming error.
  if (call.model.axon === undefined) throw new MinerError('bad_response', `model ${call.modelName} has no axon mapping`);
  return call.model.axon;
}
