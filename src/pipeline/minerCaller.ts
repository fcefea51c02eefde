import type { MinerEntry, MinerProtocol } from '../metagraph/types.js';
import type { Answer, InferenceRequest } from '../openai/types.js';
import { answerProblem } from '../selection/validate.js';
import { MinerError } from '../transport/minerError.js';
import type { Transport } from '../transport/types.js';
import { primeStream, type PrimedStream } from '../fanout/primedStream.js';
import type { CallObserver, CallRecord } from './callObserver.js';
import type { ModelEntry } from './modelCatalog.js';
import type { Cancellation } from '../lifecycle/cancellation.js';

/** A stream that produced content, with the open record of its call. */
export interface StreamAttempt {
  miner: MinerEntry;
  primed: PrimedStream;
  record: CallRecord;
}

/**
 * Makes one observed, validated call to one miner through the transport its protocol
 * needs. What fan-out strategies launch.
 */
export class MinerCaller {
  readonly #transports: ReadonlyMap<MinerProtocol, Transport>;
  readonly #observer: CallObserver;

  constructor(transports: ReadonlyMap<MinerProtocol, Transport>, observer: CallObserver) {
    this.#transports = transports;
    this.#observer = observer;
  }

  /** A whole, validated answer. */
  async complete(model: ModelEntry, request: InferenceRequest, miner: MinerEntry, cancellation: Cancellation, deadline: number): Promise<Answer> {
    const record = this.#observer.begin(model.name, miner);
    try {
      const { answer, timing } = await this.#transport(model, miner).complete({ miner, request, modelName: model.name, model: model.config, cancellation, deadline });
      const problem = answerProblem(answer, request);
      if (problem !== undefined) throw new MinerError('invalid_answer', problem);
      record.success({ ...(timing.firstByteMs === undefined ? {} : { firstByteMs: timing.firstByteMs }), completionTokens: answer.usage?.completion_tokens ?? 0, streamed: false });
      return answer;
    } catch (error) {
      record.failure(asMinerError(error));
      throw error;
    }
  }

  /** A stream that has produced content; the caller relays the rest and closes the record. */
  async stream(model: ModelEntry, request: InferenceRequest, miner: MinerEntry, cancellation: Cancellation, deadline: number): Promise<StreamAttempt> {
    const record = this.#observer.begin(model.name, miner);
    try {
      const stream = await this.#transport(model, miner).stream({ miner, request, modelName: model.name, model: model.config, cancellation, deadline });
      const primed = await primeStream(stream);
      return { miner, primed, record };
    } catch (error) {
      record.failure(asMinerError(error));
      throw error;
    }
  }

  #transport(model: ModelEntry, miner: MinerEntry): Transport {
    const protocol = miner.protocol ?? model.config.protocol;
    const transport = this.#transports.get(protocol);
    if (transport === undefined) throw new MinerError('connect_error', `no transport for protocol ${protocol}`);
    return transport;
  }
}

export function asMinerError(error: unknown): MinerError {
  return error instanceof MinerError ? error : new MinerError('bad_response', String(error), { cause: error });
}
