/** Config keys whose values are secrets wherever they appear (matched case-insensitively). */
const SECRET_KEY = /(secret|password|mnemonic|seed|token|apikey|api_key|authorization|privatekey)/i;

/** Whether a config key holds a secret (see SECRET_KEY). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A copy of the config fit for logs: secret-looking keys masked, Secret wrappers redact themselves. */
export function redactConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactConfig);
  if (typeof value !== 'object' || value === null) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return (value as { toJSON(): unknown }).toJSON();
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'endpoint' && typeof child === 'string') out[key] = redactUrl(child);
    else {
      out[key] = isSecretKey(key) && child !== null && child !== undefined && typeof child !== 'object'
        ? '[redacted]'
        : redactConfig(child);
    }
  }
  return out;
}

/**
 * A URL fit for logs: scheme, host and port. A hosted RPC endpoint's path or query often is
 * its API key, and credentials may sit before the host. Non-URLs (preset names) stay as they are.
 */
export function redactUrl(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  const hidden = url.username !== '' || url.password !== '' || url.pathname.length > 1 || url.search !== '' || url.hash !== '';
  return `${url.protocol}//${url.host}${hidden ? '/[redacted]' : ''}`;
}
