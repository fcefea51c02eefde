import { z } from 'zod';

/**
 * The OpenAI request fields miners can honour. Top-level objects are strict: a parameter the
 * gateway cannot honour is refused by name instead of being silently dropped.
 */

const stopSchema = z.union([z.string(), z.array(z.string()).max(4)]).nullable();
const probability = z.number().min(0).max(1);
const penalty = z.number().min(-2).max(2).nullable();
const onlyOne = z.literal(1, { error: 'only n=1 is supported' }).nullable();

const contentPartSchema = z.looseObject({ type: z.string() });
const messageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
  tool_call_id: z.string().optional(),
  tool_calls: z.array(z.looseObject({
    id: z.string(),
    type: z.string(),
    function: z.looseObject({ name: z.string(), arguments: z.string() }),
  })).optional(),
}).refine((m) => m.content !== undefined || m.tool_calls !== undefined || m.role === 'assistant', {
  message: 'content is required', path: ['content'],
});

const toolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[\w-]{1,64}$/, 'tool names use letters, digits, _ and -, at most 64'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: z.string() }) }),
]);

const responseFormatSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: z.string().min(1).max(64),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const streamOptionsSchema = z.strictObject({ include_usage: z.boolean().optional() }).nullable();

const commonFields = {
  model: z.string().min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: streamOptionsSchema.optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: probability.nullable().optional(),
  max_tokens: z.int().positive().nullable().optional(),
  stop: stopSchema.optional(),
  seed: z.int().nullable().optional(),
  frequency_penalty: penalty.optional(),
  presence_penalty: penalty.optional(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullable().optional(),
  user: z.string().max(256).optional(),
  n: onlyOne.optional(),
};

export const chatRequestSchema = z.strictObject({
  ...commonFields,
  messages: z.array(messageSchema).min(1),
  max_completion_tokens: z.int().positive().nullable().optional(),
  tools: z.array(toolSchema).max(128).optional(),
  tool_choice: toolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormatSchema.optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.int().min(0).max(20).nullable().optional(),
});

export const completionRequestSchema = z.strictObject({
  ...commonFields,
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, 'only a single prompt is supported (one string, or a list of one)'),
  ]),
  logprobs: z.int().min(0).max(5).nullable().optional(),
  echo: z.boolean().nullable().optional(),
  suffix: z.string().nullable().optional(),
  best_of: onlyOne.optional(),
});
