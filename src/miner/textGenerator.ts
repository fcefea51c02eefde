import { createHash } from 'node:crypto';

const WORDS = (
  'the subnet miner answers every prompt with plain deterministic text so that tests demos and ' +
  'benchmarks can check each answer exactly while validators score miners by quality latency and ' +
  'honesty on chain and the gateway routes traffic to the best of them across many replicas'
).split(' ');

export interface GeneratedAnswer {
  /** Text pieces, one per token (a word and its trailing space). */
  tokens: string[];
  finishReason: 'stop' | 'length';
  promptTokens: number;
}

export interface GenerateOptions {
  prompt: string;
  maxTokens?: number;
  /** Generation stops before the first of these strings. */
  stop?: string[];
  /** Words in a full answer (before max_tokens cuts it). */
  answerWords: number;
  /** Varies the text for the same prompt (the request's seed). */
  seed?: number;
}

/**
 * Deterministic text for a prompt: the same prompt and seed always give the same words, on
 * every miner. That lets tests assert exact answers and lets miners agree (consensus).
 */
export function generateAnswer(options: GenerateOptions): GeneratedAnswer {
  const digest = createHash('sha256').update(`${options.seed ?? 0}\u0000${options.prompt}`).digest();
  const limit = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const tokens: string[] = [];
  let text = '';
  let finishReason: GeneratedAnswer['finishReason'] = 'stop';
  for (let i = 0; i < options.answerWords; i++) {
    if (tokens.length >= limit) {
      finishReason = 'length';
      break;
    }
    const word = WORDS[(digest[i % digest.length]! + i * 7) % WORDS.length]!;
    const token = i === options.answerWords - 1 ? `${word}.` : `${word} `;
    const next = text + token;
    const stopAt = firstStop(next, options.stop);
    if (stopAt !== undefined) {
      const kept = next.slice(text.length, stopAt);
      if (kept.length > 0) tokens.push(kept);
      break;
    }
    tokens.push(token);
    text = next;
  }
  if (tokens.length > 0 && tokens[0]!.length > 0) tokens[0] = tokens[0]!.charAt(0).toUpperCase() + tokens[0]!.slice(1);
  return { tokens, finishReason, promptTokens: countWords(options.prompt) };
}

function firstStop(text: string, stops: string[] | undefined): number | undefined {
  let best: number | undefined;
  for (const stop of stops ?? []) {
    if (stop.length === 0) continue;
    const at = text.indexOf(stop);
    if (at !== -1 && (best === undefined || at < best)) best = at;
  }
  return best;
}

function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed.length === 0 ? 0 : trimmed.split(/\s+/).length;
}
