/**
 * Python's `str()` / `repr()` of JSON-like values, byte for byte. The axon body hash (§3) is
 * SHA3 of `str(field)` as CPython prints it after the synapse parsed the JSON body, so a single
 * differing quote or float digit makes every request fail verification.
 *
 * Python types are inferred from JS values: strings, booleans, null (None), arrays (list),
 * plain objects and Maps (dict, in insertion order), bigints (int), and numbers: safe integers
 * print as Python ints, other numbers as floats. JSON.parse loses the int/float distinction of
 * `1.0`, so wrap a float that happens to be integral in `pyFloat()` to print it as `1.0`.
 *
 * Known divergence: JS orders integer-like object keys ("1", "2") before the others, Python
 * keeps file order; pass a Map when such keys must hash in their original order.
 */

/** Marks a number as a Python float, so integral values print as `1.0`, not `1`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Shorthand for `new PyFloat(value)`. */
export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

/** Values `pythonStr` understands. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | readonly PyValue[]
  | ReadonlyMap<string, PyValue>
  | { readonly [key: string]: PyValue };

/** Python `str(value)`: a top-level string is itself; anything else is its repr. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/** Python `repr(value)`. Throws TypeError on values with no JSON/Python equivalent. */
export function pythonRepr(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return pythonStringRepr(value);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'bigint':
      return value.toString();
    case 'number':
      // Python ints are unbounded, but a JS number past 2^53 has already lost digits: such a
      // value most likely came from a float in the JSON (1e21), so print it as one.
      return Number.isSafeInteger(value) ? String(value) : pythonFloatRepr(value);
    case 'object':
      if (value === null) return 'None';
      if (value instanceof PyFloat) return pythonFloatRepr(value.value);
      if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
      if (value instanceof Map) return dictRepr(value.entries());
      if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
        return dictRepr(Object.entries(value));
      }
      throw new TypeError(`pythonRepr: unsupported object ${Object.prototype.toString.call(value)}`);
    default:
      throw new TypeError(`pythonRepr: unsupported ${typeof value}`);
  }
}

function dictRepr(entries: Iterable<[unknown, unknown]>): string {
  const parts: string[] = [];
  for (const [key, item] of entries) parts.push(`${pythonRepr(key)}: ${pythonRepr(item)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * Python `repr(float)`: the shortest digits that round-trip (same as JS), laid out the Python
 * way: positional for 1e-4 <= |x| < 1e16 with at least one decimal (`1.0`), otherwise
 * scientific with a signed two-digit exponent (`1e-05`, `1e+16`).
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return `${sign}0.0`;
  const [mantissa = '', exponentText = ''] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
  }
  const scaled = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const expSign = exponent < 0 ? '-' : '+';
  return `${sign}${scaled}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

// Python's str.isprintable() is false for these general categories (space excepted, handled as
// ASCII). Node's Unicode tables are newer than some Pythons': characters assigned in between
// (category Cn in the older table) are the only expected differences.
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;
const PLAIN_ASCII = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/** Python `repr(str)`, including its choice of quotes and escapes. */
export function pythonStringRepr(s: string): string {
  if (PLAIN_ASCII.test(s)) return `'${s}'`;
  // Single quotes unless the text has ' and no ": then double quotes and no escaping of '.
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x7f || !NON_PRINTABLE.test(ch)) out += ch;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + quote;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}
