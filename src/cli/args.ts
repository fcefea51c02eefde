import { parseArgs } from 'node:util';

/** Options a command accepts: name → kind. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** Parses a command's arguments strictly: an unknown flag is an error that names it. */
export function parseCommandArgs<T extends OptionSpec>(args: string[], options: T) {
  return parseArgs({ args, options, strict: true, allowPositionals: true });
}
