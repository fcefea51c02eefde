import type { MinerEntry, MinerProtocol } from '../metagraph/types.js';
import type { ModelConfig } from '../config/modelSchema.js';
import type { Cancellation } from '../lifecycle/cancellation.js';
import type { Answer, InferenceRequest, StreamDelta } from '../openai/types.js';

/** One call to one miner. */
export interface MinerCall {
  miner: MinerEntry;
  request: InferenceRequest;
  /** The public model name. */
  modelName: string;
  model: ModelConfig;
  /** Cancels the call: the client left, another miner won, or the request's deadline passed. */
  cancellation: Cancellation;
  /** Epoch ms by which the whole request must be done; the call never outlives it. */
  deadline: number;
}

/** What every answer-producing call reports about timing, for telemetry. */
export interface CallTiming {
  startedAt: number;
  /** ms until the first byte of the answer (the first event for streams). */
  firstByteMs?: number;
}

/**
 * A miner's stream: sanitised deltas in batches (all the deltas one network chunk carried,
 * so a busy stream costs one hop per chunk rather than per token). Iteration ends normally
 * only when the miner finished properly; any failure is thrown as a MinerError.
 */
export interface MinerStream extends AsyncIterable<StreamDelta[]> {
  readonly timing: CallTiming;
  /** Stops reading and releases the connection (idempotent). */
  close(): void;
}

/**
 * Talks to one miner in one wire protocol. Implementations never retry on their own: retry
 * and fan-out policy live in fanout/. Every failure is thrown as a MinerError.
 */
export interface Transport {
  readonly protocol: MinerProtocol;
  /** A whole answer (non-streamed request). */
  complete(call: MinerCall): Promise<{ answer: Answer; timing: CallTiming }>;
  /** Resolves once the miner accepted the call and began streaming. */
  stream(call: MinerCall): Promise<MinerStream>;
  close(): Promise<void>;
}
