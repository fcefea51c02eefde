import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { envOverrides } from './env.js';
import { resolveIdentityPaths } from './identitySchema.js';

/** A configuration problem, with every offending path named in the message. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** YAML file; when absent, the config is built from `base` and the environment only. */
  path?: string;
  /** A config object to start from (the demo's, or a test's), below the file and env. */
  base?: unknown;
  /** The process environment (passed in: no module reads process.env itself). */
  env?: Record<string, string | undefined>;
}

/** Reads, merges (defaults < base < file < environment), validates and deep-freezes the config. */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<Config> {
  let raw: unknown = options.base ?? {};
  let baseDir = process.cwd();
  if (options.path !== undefined) {
    const path = resolve(options.path);
    baseDir = dirname(path);
    raw = deepMerge(raw, readYamlFile(path, 'config file'));
  }
  raw = deepMerge(raw, envOverrides(options.env ?? {}));
  raw = inlineStaticMinerFiles(raw, baseDir);
  if (isPlainObject(raw) && raw.identity !== undefined) raw = { ...raw, identity: resolveIdentityPaths(raw.identity, baseDir) };
  return parseConfig(raw);
}

/** Validates an already-assembled config object. */
export function parseConfig(raw: unknown): Readonly<Config> {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error));
  return deepFreeze(result.data);
}

function formatIssues(error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  return `invalid configuration:\n${lines.join('\n')}`;
}

function readYamlFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`${what} ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** `source: {type: static, file: miners.yaml}` is read here, so the schema sees one shape. */
function inlineStaticMinerFiles(raw: unknown, baseDir: string): unknown {
  if (!isPlainObject(raw) || !isPlainObject(raw.models)) return raw;
  const models: Record<string, unknown> = {};
  for (const [name, model] of Object.entries(raw.models)) {
    models[name] = model;
    if (!isPlainObject(model) || !isPlainObject(model.source)) continue;
    const { file } = model.source;
    if (model.source.type !== 'static' || typeof file !== 'string' || model.source.miners !== undefined) continue;
    const listed = readYamlFile(resolve(baseDir, file), `miner list of model ${name}`);
    const miners = isPlainObject(listed) && Array.isArray(listed.miners) ? listed.miners : listed;
    models[name] = { ...model, source: { type: 'static', miners } };
  }
  return { ...raw, models };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Objects merge key by key; anything else (arrays included) is replaced by the later value. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
