/** Subtensor RPC endpoints by name, as the Bittensor SDK names them. */
export const CHAIN_PRESETS = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const;

export type ChainPreset = keyof typeof CHAIN_PRESETS;

/** The preset used when none is named. */
export const DEFAULT_CHAIN: ChainPreset = 'finney';

/**
 * Resolves a preset name (`finney`, `test`, `local`) or a `ws://`/`wss://` URL to a URL;
 * throws on anything else so a typo fails at start-up rather than at the first refresh.
 */
export function resolveChainEndpoint(nameOrUrl: string = DEFAULT_CHAIN): string {
  const value = nameOrUrl.trim();
  if (Object.hasOwn(CHAIN_PRESETS, value)) return CHAIN_PRESETS[value as ChainPreset];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`unknown chain endpoint ${JSON.stringify(nameOrUrl)}: expected ${Object.keys(CHAIN_PRESETS).join(', ')} or a ws(s):// URL`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`chain endpoint ${JSON.stringify(nameOrUrl)} must be a ws:// or wss:// URL`);
  }
  return value;
}

/** A short name for logs and store keys: the preset name, or the URL's host and port. */
export function chainNetworkName(nameOrUrl: string = DEFAULT_CHAIN): string {
  const value = nameOrUrl.trim();
  if (Object.hasOwn(CHAIN_PRESETS, value)) return value;
  const url = new URL(resolveChainEndpoint(value));
  return url.host;
}

/**
 * A chain error message fit for logs and /readyz: the endpoint named by host and port, in
 * our text and wherever @polkadot quoted the full URL (its path or query may be an API key).
 */
export function chainErrorText(endpoint: string, text: string): string {
  const name = chainNetworkName(endpoint);
  return text.split(endpoint).join(name);
}
