import type { Answer } from '../openai/types.js';

/** A cached answer and where it came from. */
export interface CachedEntry {
  v: 1;
  answer: Answer;
  provenance: {
    /** Public model name the answer was asked for. */
    model: string;
    /** The miner(s) whose answer this is. */
    miners: Array<{ uid: number; hotkey: string }>;
    /** Unix ms when it was stored. */
    storedAt: number;
  };
}

/** An entry ready for a store: the object (memory) and its text (Redis, size cap). */
export interface EncodedEntry {
  entry: CachedEntry;
  text: string;
  bytes: number;
}

/** Serialises an entry once: the text goes to Redis, its size decides whether it may be stored at all. */
export function encodeEntry(entry: CachedEntry): EncodedEntry {
  const text = JSON.stringify(entry);
  return { entry, text, bytes: Buffer.byteLength(text) };
}

/**
 * Reads a stored entry back. Anything that is not a well-formed entry of this version (a
 * corrupt value, a leftover of an older gateway) is treated as absent.
 */
export function decodeEntry(text: string): CachedEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const entry = value as Partial<CachedEntry> | null;
  if (entry === null || typeof entry !== 'object' || entry.v !== 1) return undefined;
  const answer = entry.answer;
  if (typeof answer !== 'object' || answer === null || typeof answer.text !== 'string' || typeof answer.finishReason !== 'string') return undefined;
  if (typeof entry.provenance !== 'object' || entry.provenance === null || !Array.isArray(entry.provenance.miners)) return undefined;
  return entry as CachedEntry;
}
