import type { AxonFieldSource, AxonMapping } from '../config/axonSchema.js';
import type { InferenceRequest } from '../openai/types.js';

/** One conversation turn as synapses see it: a role and plain text. */
interface Turn {
  role: string;
  content: string;
}

/**
 * The synapse fields of one request, per the model's mapping (see `AxonFieldSource`). Fields
 * whose source is an absent client parameter without default are left out.
 */
export function synapseFields(mapping: AxonMapping, request: InferenceRequest, upstreamModel: string): Record<string, unknown> {
  const turns = conversation(request);
  const fields: Record<string, unknown> = {};
  for (const [field, source] of Object.entries(mapping.request)) {
    const value = fieldValue(source, turns, request, upstreamModel);
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

function fieldValue(source: AxonFieldSource, turns: Turn[], request: InferenceRequest, upstreamModel: string): unknown {
  if (source.from === undefined) return source.value;
  switch (source.from) {
    case 'messages.role':
      return turns.map((t) => t.role);
    case 'messages.content':
      return turns.map((t) => t.content);
    case 'messages':
      return turns.map((t) => ({ role: t.role, content: t.content }));
    case 'prompt':
      return request.endpoint === 'completions' ? (turns[0]?.content ?? '') : ([...turns].reverse().find((t) => t.role === 'user')?.content ?? '');
    case 'model':
      return upstreamModel;
    default: {
      // params.<name>; the schema allows nothing else.
      const value = request.params[source.from.slice('params.'.length)];
      return value === undefined || value === null ? source.default : value;
    }
  }
}

/** Chat messages as plain-text turns; a completions prompt as one user turn. */
export function conversation(request: InferenceRequest): Turn[] {
  if (request.endpoint === 'completions') {
    const prompt = request.params.prompt;
    return [{ role: 'user', content: Array.isArray(prompt) ? prompt.join('') : String(prompt ?? '') }];
  }
  const messages = (request.params.messages ?? []) as Array<{ role?: unknown; content?: unknown }>;
  return messages.map((m) => ({ role: String(m.role), content: contentText(m.content) }));
}

/** Message content as text: strings as they are, the text parts of a parts array joined. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : '')).join('');
  }
  return '';
}
