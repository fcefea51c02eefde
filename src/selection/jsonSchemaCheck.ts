/**
 * Checks a miner's JSON output against the schema a client gave in
 * `response_format.json_schema`. A deliberately small subset of JSON Schema (type,
 * properties, required, additionalProperties: false, items, enum, const, anyOf/oneOf),
 * interpreted rather than compiled: client schemas are untrusted input, and this never
 * generates code or runs client-supplied regular expressions. Unknown keywords pass.
 */
export function schemaProblem(value: unknown, schema: unknown, path = '$', depth = 0): string | undefined {
  if (depth > 32 || typeof schema !== 'object' || schema === null) return undefined;
  const s = schema as Record<string, unknown>;
  if ('const' in s && JSON.stringify(value) !== JSON.stringify(s.const)) return `${path} is not the required constant`;
  if (Array.isArray(s.enum) && !s.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) return `${path} is not one of the allowed values`;
  const alternatives = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (alternatives !== undefined && !alternatives.some((alt) => schemaProblem(value, alt, path, depth + 1) === undefined)) return `${path} matches none of the alternatives`;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => hasType(value, t))) return `${path} is not of type ${types.join(' or ')}`;
  }
  if (isObject(value)) {
    const properties = isObject(s.properties) ? s.properties : {};
    for (const key of Array.isArray(s.required) ? s.required : []) {
      if (typeof key === 'string' && !Object.hasOwn(value, key)) return `${path}.${key} is missing`;
    }
    for (const [key, child] of Object.entries(value)) {
      if (Object.hasOwn(properties, key)) {
        const problem = schemaProblem(child, properties[key], `${path}.${key}`, depth + 1);
        if (problem !== undefined) return problem;
      } else if (s.additionalProperties === false) {
        return `${path}.${key} is not allowed`;
      }
    }
  }
  if (Array.isArray(value) && s.items !== undefined && !Array.isArray(s.items)) {
    for (let i = 0; i < value.length; i++) {
      const problem = schemaProblem(value[i], s.items, `${path}[${i}]`, depth + 1);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

function hasType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'object': return isObject(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'integer': return Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    default: return true;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
