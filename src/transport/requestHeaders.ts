/**
 * Merges header sets, later ones winning, with names lower-cased: otherwise a model's
 * `X-Client-Timeout` and a transport's `x-client-timeout` would both be sent, and a miner that
 * refuses repeated protocol headers would reject the request.
 */
export function mergeHeaders(...sources: ReadonlyArray<Readonly<Record<string, string>> | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of sources) {
    if (source === undefined) continue;
    for (const [name, value] of Object.entries(source)) out[name.toLowerCase()] = value;
  }
  return out;
}
