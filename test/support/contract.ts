import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ROOT = new URL('../../', import.meta.url);
// OpenAI's published schemas, copied from the shared fixtures (see test/fixtures/openai-schemas/README.md).
const OPENAI_SCHEMAS = new URL('../fixtures/openai-schemas/', import.meta.url);

type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { responses: Record<string, unknown> } };

/** The gateway's own contract, openapi.yaml, as a validator of live responses. */
export class OpenApiContract {
  readonly doc: OpenApi;
  readonly #ajv: Ajv2020;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor() {
    this.doc = parseYaml(readFileSync(new URL('openapi.yaml', ROOT), 'utf8')) as OpenApi;
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.#ajv);
    this.#ajv.addSchema({ $id: 'openapi', ...this.doc });
  }

  /** Problems of one live response against the documented operation (empty when it conforms). */
  check(method: string, path: string, status: number, headers: Headers, contentType: string, body: unknown): string[] {
    const operation = this.doc.paths[path]?.[method.toLowerCase()];
    if (operation === undefined) return [`${method} ${path} is not documented`];
    let response = operation.responses[String(status)] as Record<string, unknown> | undefined;
    if (response === undefined) return [`${method} ${path} does not document status ${status}`];
    if (typeof response.$ref === 'string') response = this.doc.components.responses[response.$ref.split('/').pop()!] as Record<string, unknown>;
    const problems: string[] = [];
    for (const [name, spec] of Object.entries((response.headers ?? {}) as Record<string, { required?: boolean; $ref?: string }>)) {
      const required = spec.required ?? (spec.$ref !== undefined && (this.#resolve(spec.$ref) as { required?: boolean }).required);
      if (required === true && !headers.has(name)) problems.push(`missing header ${name}`);
    }
    const content = (response.content ?? {}) as Record<string, { schema: unknown }>;
    const media = Object.keys(content).find((type) => contentType.startsWith(type));
    if (media === undefined) return [...problems, `undocumented content type ${contentType} for ${status}`];
    const ref = this.#schemaRef(path, method, status, media);
    let validate = this.#validators.get(ref);
    if (validate === undefined) {
      validate = this.#ajv.compile({ $ref: ref });
      this.#validators.set(ref, validate);
    }
    if (!validate(body)) problems.push(...(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
    return problems;
  }

  #schemaRef(path: string, method: string, status: number, media: string): string {
    const response = this.doc.paths[path]![method.toLowerCase()]!.responses[String(status)] as { $ref?: string };
    const base = response.$ref !== undefined ? response.$ref.slice(1) : pointer(['paths', path, method.toLowerCase(), 'responses', String(status)]);
    return `openapi#${base}${pointer(['content', media, 'schema'])}`;
  }

  #resolve(ref: string): unknown {
    return ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replaceAll('~1', '/').replaceAll('~0', '~')], this.doc);
  }
}

function pointer(segments: string[]): string {
  return segments.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** OpenAI's own published schemas (JSON Schema 2020-12), for the objects the gateway returns. */
export class OpenAiSchemas {
  readonly #ajv: Ajv2020;

  constructor() {
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.#ajv);
  }

  /** Problems of `value` against one of OpenAI's schemas; `patch` adjusts known spec quirks. */
  check(name: string, value: unknown, patch?: (schema: Record<string, unknown>) => void): string[] {
    const schema = JSON.parse(readFileSync(new URL(`${name}.2020.json`, OPENAI_SCHEMAS), 'utf8')) as Record<string, unknown>;
    patch?.(schema);
    schema.$id = `${String(schema.$id).replace(/\.json$/, '')}${patch === undefined ? '' : '-patched'}.json`;
    const validate = this.#ajv.getSchema(schema.$id as string) ?? this.#ajv.compile(schema);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }
}

/** The `data:` payloads of an SSE body, in order. */
export function sseEvents(text: string): string[] {
  return text.split('\n\n').filter((block) => block.trim().length > 0).map((block) => {
    const lines = block.split('\n');
    for (const line of lines) if (!line.startsWith('data: ')) throw new Error(`not a clean SSE data line: ${JSON.stringify(line)}`);
    return lines.map((l) => l.slice('data: '.length)).join('\n');
  });
}
