import { hasContent } from '../openai/minerOutput.js';
import type { StreamDelta } from '../openai/types.js';
import { MinerError } from '../transport/minerError.js';
import type { MinerStream } from '../transport/types.js';

/** A miner stream read up to its first piece of real content: the moment a race can commit to it. */
export interface PrimedStream {
  stream: MinerStream;
  /** Everything read so far, the first content delta last. */
  head: StreamDelta[];
  /** The rest of the stream. */
  rest: AsyncIterator<StreamDelta>;
}

/**
 * Reads a stream until it produced content. Role-only chunks and keep-alives do not count:
 * a miner that opens a stream and then stalls or dies must not win a race.
 */
export async function primeStream(stream: MinerStream): Promise<PrimedStream> {
  const rest = stream[Symbol.asyncIterator]();
  const head: StreamDelta[] = [];
  try {
    for (;;) {
      const next = await rest.next();
      if (next.done === true) throw new MinerError('invalid_answer', 'stream ended without content');
      head.push(next.value);
      if (hasContent(next.value)) return { stream, head, rest };
      if (next.value.finishReason !== undefined) throw new MinerError('invalid_answer', 'stream finished without content');
    }
  } catch (error) {
    stream.close();
    throw error;
  }
}
