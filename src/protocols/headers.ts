/** Incoming headers with lower-case names, as Node and Hono give them. */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The single value of a header, or undefined when it is absent or repeated: a repeated
 * protocol header is ambiguous, so the checks treat it as malformed.
 */
export function singleHeader(headers: IncomingHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}
