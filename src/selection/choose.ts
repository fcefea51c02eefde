import type { MinerEntry } from '../metagraph/types.js';
import type { Answer } from '../openai/types.js';
import { normaliseText, similarity } from './similarity.js';

/** One valid answer, from one miner, with that miner's routing score. */
export interface Candidate {
  miner: MinerEntry;
  answer: Answer;
  score: number;
}

export interface Choice {
  chosen: Candidate;
  /** Answers that disagreed with the others (their miners may be penalised). */
  outliers: Candidate[];
  /** How many answers agreed with the chosen one (itself included). */
  agreeing: number;
}

/** Two answers this similar are "the same answer" for agreement purposes. */
const AGREE = 0.5;

/** The text an answer is compared by: its content, or its tool calls when it made some. */
export function comparableText(answer: Answer): string {
  if (answer.toolCalls !== undefined && answer.toolCalls.length > 0) {
    return answer.toolCalls.map((c) => `${c.function.name} ${c.function.arguments}`).join(' ');
  }
  return answer.text;
}

/**
 * best-of-k: answers that disagree with most others are outliers; among the rest, the
 * answer of the best-scored miner wins (ties go to the better-scored miner). With two
 * answers that disagree nobody can tell who is right, so the better-scored miner wins.
 */
export function chooseBest(candidates: readonly Candidate[]): Choice {
  if (candidates.length === 0) throw new Error('no candidates');
  const n = candidates.length;
  const texts = candidates.map((c) => comparableText(c.answer));
  const agreeCounts = candidates.map((_, i) => {
    let agree = 1;
    for (let j = 0; j < n; j++) if (j !== i && similarity(texts[i]!, texts[j]!) >= AGREE) agree++;
    return agree;
  });
  const mostAgreement = Math.max(...agreeCounts);
  const majority = n >= 3 ? candidates.filter((_, i) => agreeCounts[i] === mostAgreement) : [...candidates];
  const outliers = n >= 3 ? candidates.filter((_, i) => agreeCounts[i]! < mostAgreement && agreeCounts[i]! <= n / 2) : [];
  const chosen = byScore(majority);
  return { chosen, outliers, agreeing: agreeCounts[candidates.indexOf(chosen)]! };
}

/**
 * consensus: the answer most miners gave (exact match after normalising case, punctuation
 * and whitespace). Ties between groups go to the group with the best-scored miner; within
 * the group, the best-scored miner's answer is returned. Everything outside it is an outlier.
 */
export function chooseConsensus(candidates: readonly Candidate[]): Choice {
  if (candidates.length === 0) throw new Error('no candidates');
  const groups = groupByText(candidates);
  let best: Candidate[] = [];
  for (const group of groups.values()) {
    if (group.length > best.length || (group.length === best.length && byScore(group).score > byScore(best).score)) best = group;
  }
  const chosen = byScore(best);
  return { chosen, outliers: candidates.filter((c) => !best.includes(c)), agreeing: best.length };
}

/** True once one answer has a strict majority of `k` (no later answer can change the outcome). */
export function hasQuorum(candidates: readonly Candidate[], k: number): boolean {
  let largest = 0;
  for (const group of groupByText(candidates).values()) largest = Math.max(largest, group.length);
  return largest > k / 2;
}

function groupByText(candidates: readonly Candidate[]): Map<string, Candidate[]> {
  const groups = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const key = normaliseText(comparableText(candidate.answer));
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [candidate]);
    else group.push(candidate);
  }
  return groups;
}

function byScore(group: readonly Candidate[]): Candidate {
  let best = group[0]!;
  for (const c of group) if (c.score > best.score) best = c;
  return best;
}
