/**
 * Text similarity for comparing miners' answers: Jaccard similarity of word bigrams after
 * normalising case, punctuation and whitespace. Cheap, symmetric, 1 for equal texts and 0
 * for unrelated ones; robust to formatting differences that don't change the answer.
 */
export function normaliseText(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

export function similarity(a: string, b: string): number {
  const na = normaliseText(a);
  const nb = normaliseText(b);
  if (na === nb) return 1;
  const sa = shingles(na);
  const sb = shingles(nb);
  if (sa.size === 0 || sb.size === 0) return 0;
  let shared = 0;
  for (const s of sa) if (sb.has(s)) shared++;
  return shared / (sa.size + sb.size - shared);
}

function shingles(text: string): Set<string> {
  const words = text.split(' ').filter((w) => w.length > 0);
  const out = new Set<string>();
  if (words.length === 1) out.add(words[0]!);
  for (let i = 0; i + 1 < words.length; i++) out.add(`${words[i]} ${words[i + 1]}`);
  return out;
}
