/**
 * Kubernetes objects checked against the OpenAPI schemas of the Kubernetes API, as compiled
 * into validators by the `kubernetes-models` package, plus the check `kubectl apply
 * --validate=strict` makes and those schemas do not: fields the API does not know (a
 * misspelt `readinesProbe` is silently dropped by a cluster, taking the probe with it).
 */

interface SchemaError { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }
type Validator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

/** The compiled validators carry no messages: say it the way Ajv would. */
function describeError(e: SchemaError): string {
  const where = e.instancePath || '/';
  if (e.message !== undefined) return `${where} ${e.message}`;
  switch (e.keyword) {
    case 'type': return `${where} must be ${String(e.params.type)}`;
    case 'format': return `${where} must match format "${String(e.params.format)}"`;
    case 'required': return `${where} must have property ${String(e.params.missingProperty)}`;
    case 'enum': return `${where} must be one of ${JSON.stringify(e.params.allowedValues)}`;
    default: return `${where} ${e.keyword} ${JSON.stringify(e.params)}`;
  }
}

/** `apps/v1` + `Deployment` → `IoK8sApiAppsV1Deployment`, the name of its schema module. */
function schemaName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  return `IoK8sApi${cap(group!.split('.')[0]!)}${cap(version!)}${kind}`;
}

export interface K8sCheck {
  /** Schema violations (types, required fields, formats such as quantities). */
  errors: string[];
  /** Fields no schema defines, by path. */
  unknownFields: string[];
}

export async function checkK8sObject(doc: { apiVersion?: unknown; kind?: unknown }): Promise<K8sCheck> {
  if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') return { errors: ['apiVersion and kind are required'], unknownFields: [] };
  const name = schemaName(doc.apiVersion, doc.kind);
  let validate: Validator;
  try {
    ({ validate } = await import(`kubernetes-models/_schemas/${name}`) as { validate: Validator });
  } catch {
    return { errors: [`no schema for ${doc.apiVersion} ${doc.kind} (${name})`], unknownFields: [] };
  }
  const objects: Array<{ path: string; keys: string[]; read: Set<string> }> = [];
  const ok = validate(tracked(doc, '', objects));
  const errors = ok ? [] : (validate.errors ?? []).map(describeError);
  // A compiled validator reads every property its schema defines (and every key of a map);
  // a key it never read is one the schema does not know. Report the outermost one only.
  const unknown = objects.flatMap((o) => o.keys.filter((k) => !o.read.has(k)).map((k) => `${o.path}.${k}`));
  return { errors, unknownFields: unknown.filter((path) => !unknown.some((other) => path.startsWith(`${other}.`) || path.startsWith(`${other}[`))) };
}

/** A copy of `value` whose objects record which of their keys were read. */
function tracked(value: unknown, path: string, objects: Array<{ path: string; keys: string[]; read: Set<string> }>): unknown {
  if (Array.isArray(value)) return value.map((v, i) => tracked(v, `${path}[${i}]`, objects));
  if (value === null || typeof value !== 'object') return value;
  const read = new Set<string>();
  const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tracked(v, `${path}.${k}`, objects)]));
  objects.push({ path, keys: Object.keys(value), read });
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}
