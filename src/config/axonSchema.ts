import { z } from 'zod';
import { AXON_PRESETS, type AxonPresetName } from './axonPresets.js';

/** Python identifiers: synapse class and field names. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const identifier = z.string().regex(IDENTIFIER, 'must be a Python identifier');

/** Where a synapse field's value comes from; see `AxonFieldSource`. */
const SOURCE = /^(messages\.role|messages\.content|messages|prompt|model|params\.[A-Za-z_][A-Za-z0-9_]*)$/;

const fieldSourceSchema = z.strictObject({
  from: z.string().regex(SOURCE, 'must be one of messages.role, messages.content, messages, prompt, model, params.<name>').optional(),
  value: z.json().optional(),
  default: z.json().optional(),
})
  .refine((s) => (s.from === undefined) !== (s.value === undefined), 'give either from or value')
  .refine((s) => s.default === undefined || s.from?.startsWith('params.') === true, 'default only applies to from: params.<name>');

/**
 * One synapse field:
 * - `from: messages.role` / `messages.content`: the conversation as two parallel lists of strings;
 * - `from: messages`: the conversation as a list of `{role, content}`;
 * - `from: prompt`: the completions prompt, or the last user message of a chat;
 * - `from: model`: the model's upstream name;
 * - `from: params.<name>`: a client parameter (e.g. `params.max_tokens`), `default` when absent
 *   (without one the field is left out of the synapse);
 * - `value`: a constant.
 * For completions requests, the prompt counts as a single user message.
 */
export type AxonFieldSource = z.infer<typeof fieldSourceSchema>;

/** A model's synapse mapping, with any preset applied. */
export interface AxonMapping {
  /** Synapse class name: the URL path and the `name` header. */
  synapse: string;
  /** true: the miner streams raw text (no framing); false: it answers the synapse as JSON. */
  streaming: boolean;
  /** The synapse's `required_hash_fields`, in order. */
  hashFields: string[];
  /** Fields announced in `bt_header_input_obj_<field>` headers (the synapse's fields without a default). */
  requiredFields: string[];
  request: Record<string, AxonFieldSource>;
  /** The string field of the returned synapse that holds the answer (non-streaming synapses). */
  responseField: string | undefined;
}

const mappingInputSchema = z.strictObject({
  preset: z.enum(Object.keys(AXON_PRESETS) as [AxonPresetName, ...AxonPresetName[]]).optional(),
  synapse: identifier.optional(),
  streaming: z.boolean().optional(),
  hashFields: z.array(identifier).optional(),
  /** Default: every field of `request`. */
  requiredFields: z.array(identifier).optional(),
  request: z.record(identifier, fieldSourceSchema).optional(),
  responseField: identifier.optional(),
});

/** A model's `axon:` section: a preset, explicit fields, or a preset with some fields overridden. */
export const axonMappingSchema = mappingInputSchema.transform((input, ctx): AxonMapping => {
  const preset = input.preset === undefined ? undefined : AXON_PRESETS[input.preset];
  const request: Record<string, AxonFieldSource> = { ...preset?.request, ...input.request };
  const mapping: AxonMapping = {
    synapse: input.synapse ?? preset?.synapse ?? '',
    streaming: input.streaming ?? preset?.streaming ?? false,
    hashFields: [...(input.hashFields ?? preset?.hashFields ?? [])],
    requiredFields: [...(input.requiredFields ?? preset?.requiredFields ?? Object.keys(request))],
    request,
    responseField: input.responseField ?? preset?.responseField,
  };
  const problem = (message: string, path: PropertyKey[] = []): void => ctx.addIssue({ code: 'custom', message, path });
  if (mapping.synapse === '') problem('give synapse (the synapse class name) or a preset', ['synapse']);
  if (Object.keys(request).length === 0) problem('give request: each synapse field and where its value comes from', ['request']);
  if (!mapping.streaming && mapping.responseField === undefined) problem('a non-streaming synapse needs responseField (the field holding the answer)', ['responseField']);
  for (const [list, fields] of [['hashFields', mapping.hashFields], ['requiredFields', mapping.requiredFields]] as const) {
    for (const field of fields) {
      const source = request[field];
      if (source === undefined) problem(`"${field}" is not a field of request`, [list]);
      // A hashed field must always have a value: the hash covers it, absent or not.
      else if (list === 'hashFields' && source.from?.startsWith('params.') === true && source.default === undefined) {
        problem(`"${field}" comes from ${source.from}, which a request may omit: give it a default`, ['request', field]);
      }
    }
  }
  return mapping;
});
