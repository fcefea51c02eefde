import { hasContent } from '../openai/minerOutput.js';
import type { StreamDelta } from '../openai/types.js';
import { MinerError } from '../transport/minerError.js';
import type { MinerStream } from '../transport/types.js';

/** A miner stream read up to its first piece of real content: the moment a race can commit to it. */
export interface PrimedStream {
  stream: MinerStream;
  /** Everything read so far; the batch with the first content is the last one read. */
  head: StreamDelta[];
  /** The rest of the stream, in batches. */
  rest: AsyncIterator<StreamDelta[]>;
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
      let content = false;
      for (const delta of next.value) {
        head.push(delta);
        if (hasContent(delta)) content = true;
        else if (delta.finishReason !== undefined && !content) throw new MinerError('invalid_answer', 'stream finished without content');
      }
      if (content) return { stream, head, rest };
    }
  } catch (error) {
    stream.close();
    throw error;
  }
}
