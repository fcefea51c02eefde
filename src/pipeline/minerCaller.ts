import type { MinerEntry, MinerProtocol } from '../metagraph/types.js';
import { AnswerBuilder } from '../openai/answerBuilder.js';
import type { Answer, InferenceRequest } from '../openai/types.js';
import { answerProblem } from '../selection/validate.js';
import { MinerError, asMinerError } from '../transport/minerError.js';
import type { Transport } from '../transport/types.js';
import { primeStream, type PrimedStream } from '../fanout/primedStream.js';
import type { Cancellation } from '../lifecycle/cancellation.js';
import type { CallObserver, CallRecord } from './callObserver.js';
import type { ModelEntry } from './modelCatalog.js';

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

  /** A whole, validated answer (non-streamed call). */
  async complete(model: ModelEntry, request: InferenceRequest, miner: MinerEntry, cancellation: Cancellation, deadline: number): Promise<Answer> {
    const record = this.#observer.begin(model.name, miner, false);
    try {
      const { answer, timing } = await this.#transport(model, miner).complete({ miner, request, modelName: model.name, model: model.config, cancellation, deadline });
      validate(answer, request);
      record.success({ firstByteMs: timing.firstByteMs, completionTokens: answer.usage?.completion_tokens ?? 0, streamed: false });
      return answer;
    } catch (error) {
      record.failure(asMinerError(error));
      throw error;
    }
  }

  /** A stream that has produced content; the caller relays the rest and closes the record. */
  async stream(model: ModelEntry, request: InferenceRequest, miner: MinerEntry, cancellation: Cancellation, deadline: number): Promise<StreamAttempt> {
    const record = this.#observer.begin(model.name, miner, true);
    try {
      const stream = await this.#transport(model, miner).stream({ miner, request, modelName: model.name, model: model.config, cancellation, deadline });
      const primed = await primeStream(stream);
      return { miner, primed, record };
    } catch (error) {
      record.failure(asMinerError(error));
      throw error;
    }
  }

  /** A streamed call read to its end into a whole, validated answer (for strategies that compare answers). */
  async streamWhole(model: ModelEntry, request: InferenceRequest, miner: MinerEntry, cancellation: Cancellation, deadline: number): Promise<Answer> {
    const { primed, record } = await this.stream(model, request, miner, cancellation, deadline);
    const builder = new AnswerBuilder(request.endpoint);
    try {
      for (const delta of primed.head) builder.push(delta);
      for (;;) {
        const next = await primed.rest.next();
        if (next.done === true) break;
        for (const delta of next.value) builder.push(delta);
      }
      const answer = builder.build();
      validate(answer, request);
      const { firstByteMs } = primed.stream.timing;
      record.success({ ...(firstByteMs === undefined ? {} : { firstByteMs }), completionTokens: answer.usage?.completion_tokens ?? 0, streamed: true });
      return answer;
    } catch (error) {
      record.failure(asMinerError(error));
      primed.stream.close();
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

function validate(answer: Answer, request: InferenceRequest): void {
  const problem = answerProblem(answer, request);
  if (problem !== undefined) throw new MinerError('invalid_answer', problem);
}
