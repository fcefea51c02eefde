import { answerFor } from '../../src/miner/referenceMiner.js';

/** One request of the steady load and how it ended. */
export interface LoadOutcome {
  id: string;
  stream: boolean;
  ok: boolean;
  status: number | null;
  /** Why it failed: HTTP status, network error, or what was wrong with the answer. */
  problem?: string;
  startedAt: number;
  ms: number;
  cache: string | null;
}

export interface SteadyLoadOptions {
  url: string;
  model: string;
  workers: number;
  /** Pause between two requests of one worker. */
  pauseMs: number;
  /** Words the miners answer with (the expected text is computed from the prompt). */
  answerWords: number;
  /** Per-request extras (e.g. `temperature: 0` for cacheable requests), by request number. */
  extra?: (worker: number, n: number) => Record<string, unknown>;
  prompt?: (worker: number, n: number) => string;
}

export interface SteadyLoad {
  outcomes: LoadOutcome[];
  /** Stops issuing requests and waits for the ones under way. */
  stop(): Promise<LoadOutcome[]>;
}

/**
 * `workers` clients sending chat completions back to back (every other one streamed) and
 * checking each answer in full: a 200, the miners' exact text, and for streams the final
 * `data: [DONE]`. Anything else, including a stream that ends early, is a failure.
 */
export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const outcomes: LoadOutcome[] = [];
  let running = true;
  const loops = Array.from({ length: options.workers }, async (_, worker) => {
    for (let n = 0; running; n++) {
      outcomes.push(await one(options, worker, n));
      await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

async function one(options: SteadyLoadOptions, worker: number, n: number): Promise<LoadOutcome> {
  const stream = (n + worker) % 2 === 0;
  const prompt = options.prompt?.(worker, n) ?? `steady load ${worker}-${n}-${Math.random()}`;
  const body = { model: options.model, stream, messages: [{ role: 'user', content: prompt }], ...options.extra?.(worker, n) };
  const expected = answerFor('chat', body, { answerWords: options.answerWords }).pieces.join('');
  const id = `load-${worker}-${n}-${Date.now()}`;
  const startedAt = Date.now();
  const outcome = (ok: boolean, status: number | null, cache: string | null, problem?: string): LoadOutcome => ({
    id, stream, ok, status, startedAt, ms: Date.now() - startedAt, cache, ...(problem === undefined ? {} : { problem }),
  });
  try {
    const response = await fetch(`${options.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    const cache = response.headers.get('x-taogate-cache');
    if (response.status !== 200) return outcome(false, response.status, cache, `status ${response.status}: ${text.slice(0, 200)}`);
    if (response.headers.get('x-request-id') !== id) return outcome(false, 200, cache, `request id not forwarded: ${response.headers.get('x-request-id')}`);
    const content = stream ? streamedContent(text) : nonStreamedContent(text);
    if (typeof content !== 'string') return outcome(false, 200, cache, content.problem);
    if (content !== expected) return outcome(false, 200, cache, `wrong text: ${JSON.stringify(content.slice(0, 80))}`);
    return outcome(true, 200, cache);
  } catch (error) {
    return outcome(false, null, null, `network: ${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? '')}`);
  }
}

function streamedContent(text: string): string | { problem: string } {
  if (!text.endsWith('data: [DONE]\n\n')) return { problem: `truncated stream (no [DONE]): …${JSON.stringify(text.slice(-120))}` };
  let content = '';
  for (const block of text.split('\n\n')) {
    if (!block.startsWith('data: ') || block === 'data: [DONE]') continue;
    const event = JSON.parse(block.slice(6)) as { error?: unknown; choices?: Array<{ delta?: { content?: string } }> };
    if (event.error !== undefined) return { problem: `error event: ${block.slice(0, 200)}` };
    content += event.choices?.[0]?.delta?.content ?? '';
  }
  return content;
}

function nonStreamedContent(text: string): string | { problem: string } {
  try {
    const answer = JSON.parse(text) as { choices?: Array<{ message?: { content?: string } }> };
    return answer.choices?.[0]?.message?.content ?? { problem: `no content: ${text.slice(0, 200)}` };
  } catch {
    return { problem: `not JSON: ${text.slice(0, 200)}` };
  }
}
