import type { Answer, InferenceRequest, Usage } from './types.js';

/**
 * Token counts when a miner reports none. A rough, documented estimate (about four
 * characters per token for English text), used for include_usage and token rate limits;
 * miners' own counts are always preferred.
 */
export function estimateUsage(request: InferenceRequest, answer: Pick<Answer, 'text' | 'toolCalls' | 'reasoning'>): Usage {
  const promptChars = promptText(request).length;
  let completionChars = answer.text.length + (answer.reasoning?.length ?? 0);
  for (const call of answer.toolCalls ?? []) completionChars += call.function.name.length + call.function.arguments.length;
  const prompt = Math.ceil(promptChars / 4);
  const completion = Math.ceil(completionChars / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The prompt tokens a request will cost, before any miner answered (for token rate limits). */
export function estimatePromptTokens(request: InferenceRequest): number {
  return Math.ceil(promptText(request).length / 4);
}

function promptText(request: InferenceRequest): string {
  const params = request.params;
  if (request.endpoint === 'completions') {
    const prompt = params.prompt;
    return Array.isArray(prompt) ? prompt.join('') : String(prompt ?? '');
  }
  let text = '';
  for (const message of (params.messages as Array<{ content?: unknown }>) ?? []) {
    const content = message.content;
    if (typeof content === 'string') text += content;
    else if (Array.isArray(content)) {
      for (const part of content) if (typeof (part as { text?: unknown }).text === 'string') text += (part as { text: string }).text;
    }
  }
  return text;
}
