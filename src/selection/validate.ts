import type { Answer, InferenceRequest } from '../openai/types.js';
import { schemaProblem } from './jsonSchemaCheck.js';

/**
 * Checks a complete miner answer against what the client asked for. Miners are untrusted:
 * an answer that is empty, unfinished, has unparsable tool-call arguments, or ignores a
 * requested JSON format (or schema) is not an answer. Returns the problem, or undefined when valid.
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
  const format = request.params.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if ((format?.type === 'json_object' || format?.type === 'json_schema') && !hasTools && answer.finishReason !== 'length') {
    const parsed = parseJson(answer.text);
    if (parsed === NOT_JSON) return 'answer is not the JSON the client asked for';
    if (format.type === 'json_object' && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) return 'answer is not a JSON object';
    if (format.type === 'json_schema' && format.json_schema?.schema !== undefined) {
      const problem = schemaProblem(parsed, format.json_schema.schema);
      if (problem !== undefined) return `answer does not match the requested schema: ${problem}`;
    }
  }
  return undefined;
}

const NOT_JSON = Symbol('not json');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function parsesAsJson(text: string): boolean {
  return parseJson(text) !== NOT_JSON;
}
