import type { StreamDelta } from '../openai/types.js';
import { MinerError } from '../transport/minerError.js';

/**
 * A replacement stream, aligned to text the client already has: it must reproduce `sent`
 * exactly (role-only and empty deltas are skipped); only what comes after is yielded. Any
 * difference, or a tool call, is a divergence and fails the replacement.
 */
export async function* alignAfter(sent: string, batches: AsyncIterator<StreamDelta[]>): AsyncGenerator<StreamDelta[]> {
  let got = '';
  for (;;) {
    const next = await batches.next();
    if (next.done === true) {
      if (got.length < sent.length) throw diverged('ended before reproducing the text already sent');
      return;
    }
    if (got.length >= sent.length) {
      yield next.value;
      continue;
    }
    const out: StreamDelta[] = [];
    for (const delta of next.value) {
      if (got.length >= sent.length) {
        out.push(delta);
        continue;
      }
      if (delta.toolCalls !== undefined || delta.reasoning !== undefined || delta.refusal !== undefined) throw diverged('answered differently');
      const text = delta.text ?? '';
      const combined = got + text;
      if (combined.length <= sent.length) {
        if (!sent.startsWith(combined)) throw diverged('answered differently');
        got = combined;
        if (delta.finishReason !== undefined && got.length < sent.length) throw diverged('finished before reproducing the text already sent');
        if (got.length === sent.length && (delta.finishReason !== undefined || delta.usage !== undefined)) out.push(withoutText(delta));
        continue;
      }
      if (!combined.startsWith(sent)) throw diverged('answered differently');
      got = combined;
      out.push({ ...delta, text: combined.slice(sent.length) });
    }
    if (out.length > 0) yield out;
  }
}

function withoutText(delta: StreamDelta): StreamDelta {
  const { text: _text, role: _role, ...rest } = delta;
  return rest;
}

function diverged(detail: string): MinerError {
  return new MinerError('invalid_answer', `replacement stream ${detail}`);
}
