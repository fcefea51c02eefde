/**
 * Built-in synapse mappings (`axon: { preset: ... }` in a model's config). Each is written in
 * the same format an operator would write, so it doubles as an example of that format.
 */
export const AXON_PRESETS = {
  /**
   * SN1 (prompting) `StreamPromptingSynapse`: `roles: list[str]`, `messages: list[str]`
   * (both required, `messages` hashed), `completion: str = ""`; the miner streams raw UTF-8
   * text and the completion is its concatenation (PROTOCOLS.md §3).
   */
  'sn1-stream-prompting': {
    synapse: 'StreamPromptingSynapse',
    streaming: true,
    hashFields: ['messages'],
    requiredFields: ['roles', 'messages'],
    request: {
      roles: { from: 'messages.role' },
      messages: { from: 'messages.content' },
      completion: { value: '' },
    },
    responseField: 'completion',
  },
} as const;

export type AxonPresetName = keyof typeof AXON_PRESETS;
