import type { Answer, InferenceRequest } from '../openai/types.js';

/**
 * Checks a complete miner answer against what the client asked for. Miners are untrusted:
 * an answer that is empty, unfinished, has unparsable tool-call arguments, or ignores a
 * requested JSON format is not an answer. Returns the problem, or undefined when valid.
 */
export function answerProblem(answer: Answer, request: InferenceRequest): string | undefined {
  if (answer.finishReason === null) return 'no finish reason';
  const hasTools = answer.toolCalls !== undefined && answer.toolCalls.length > 0;
  if (answer.text.trim().length === 0 && !hasTools && answer.refusal === undefined) return 'empty answer';
  if (hasTools) {
    for (const call of answer.toolCalls!) {
      if (call.function.name.length === 0) return 'tool call without a name';
      if (!parsesAsJson(call.function.arguments || '{}')) return 'tool call arguments are not JSON';
    }
  }
  const format = (request.params.response_format as { type?: string } | undefined)?.type;
  if ((format === 'json_object' || format === 'json_schema') && !hasTools && answer.finishReason !== 'length') {
    if (!parsesAsJson(answer.text)) return 'answer is not the JSON the client asked for';
  }
  return undefined;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
