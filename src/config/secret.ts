import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret value (hotkey seed, API key, Redis password) that redacts itself wherever it is
 * printed, logged or serialised. Only `reveal()` gives the value, so every use is greppable.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
