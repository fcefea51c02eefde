import { parse as parseYaml } from 'yaml';
import { identityFromEnv } from './identitySchema.js';
import { isSecretKey } from './redact.js';

/**
 * Environment overrides, applied above the config file:
 * - `PORT`, `HOST`, `LOG_LEVEL`: the usual shorthands for server.port, server.host, log.level;
 * - `TAOGATE__<path>` with `__` between segments sets any key, e.g.
 *   `TAOGATE__server__bodyLimitBytes=2097152` or `TAOGATE__models__sn1__fanout__retries=2`.
 *   Values are read as YAML scalars/flow collections, so `8080`, `true` and `[a, b]` keep their types,
 *   except secrets and URLs (`TAOGATE__redis__password`, `TAOGATE__redis__url`), taken verbatim:
 *   YAML would cut `p#ss` at the `#`, turn `0x1f` into a number, and warn on stderr quoting the value;
 * - `TAOGATE_HOTKEY_MNEMONIC`, `TAOGATE_HOTKEY_SEED`: the gateway's hotkey secret, as a Secret.
 */
export function envOverrides(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = identityFromEnv(env);
  const shorthands: Array<[string, string[]]> = [
    ['HOST', ['server', 'host']],
    ['PORT', ['server', 'port']],
    ['LOG_LEVEL', ['log', 'level']],
  ];
  for (const [name, path] of shorthands) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(out, path, parseValue(value));
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('TAOGATE__') || value === undefined) continue;
    const path = name.slice('TAOGATE__'.length).split('__').filter((s) => s.length > 0);
    const key = path[path.length - 1];
    if (key !== undefined) setPath(out, path, isSecretKey(key) || key.toLowerCase() === 'url' ? value : parseValue(value));
  }
  return out;
}

function parseValue(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== 'object' || next === null) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
