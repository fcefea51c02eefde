// Expected strings were printed by CPython 3.11 (`repr(x)` / `str(x)`); see each case.
import { describe, expect, it } from 'vitest';
import { pyFloat, pythonFloatRepr, pythonRepr, pythonStr, pythonStringRepr } from '../src/protocols/pythonRepr.js';

describe('pythonStr', () => {
  it('prints a top-level string as itself, unquoted', () => {
    expect(pythonStr('Hello')).toBe('Hello');
    expect(pythonStr("it's\n")).toBe("it's\n");
  });

  it('prints the PROTOCOLS.md vector list as Python does', () => {
    expect(pythonStr(['Hello'])).toBe("['Hello']");
    expect(pythonStr(['a', 'b'])).toBe("['a', 'b']");
    expect(pythonStr([])).toBe('[]');
  });

  it('prints constants, ints and nested containers', () => {
    expect(pythonStr(true)).toBe('True');
    expect(pythonStr(false)).toBe('False');
    expect(pythonStr(null)).toBe('None');
    expect(pythonStr(42)).toBe('42');
    expect(pythonStr(-7)).toBe('-7');
    expect(pythonStr(12345678901234567890n)).toBe('12345678901234567890');
    expect(pythonStr({ k: [1, { z: pyFloat(2.5) }] })).toBe("{'k': [1, {'z': 2.5}]}");
    expect(pythonStr({})).toBe('{}');
    expect(pythonStr([[], {}, [null, true]])).toBe('[[], {}, [None, True]]');
  });

  it('keeps dict insertion order, and a Map keeps integer-like keys where they were', () => {
    expect(pythonStr({ b: 1, a: 2 })).toBe("{'b': 1, 'a': 2}");
    expect(pythonStr(new Map<string, number>([['b', 1], ['1', 2]]))).toBe("{'b': 1, '1': 2}");
  });

  it('prints an SN1-style sampling dict (from JSON) exactly', () => {
    const sampling = { temperature: 0.7, max_new_tokens: 256, do_sample: true, seed: null, top_p: pyFloat(1.0) };
    expect(pythonStr(sampling)).toBe(
      "{'temperature': 0.7, 'max_new_tokens': 256, 'do_sample': True, 'seed': None, 'top_p': 1.0}",
    );
    // Without the marker, JSON.parse("1.0") is indistinguishable from 1 and prints as an int.
    expect(pythonStr(JSON.parse('{"top_p": 1.0}'))).toBe("{'top_p': 1}");
  });

  it('refuses values with no Python equivalent', () => {
    expect(() => pythonStr(undefined)).toThrow(TypeError);
    expect(() => pythonStr([() => 1])).toThrow(TypeError);
    expect(() => pythonStr({ when: new Date(0) })).toThrow('unsupported object [object Date]');
  });
});

describe('pythonStringRepr quoting', () => {
  const cases: Array<[string, string, string]> = [
    ['plain', 'Hello', "'Hello'"],
    ['single quote -> double quotes', "it's", `"it's"`],
    ['double quote stays in single quotes', 'say "hi"', `'say "hi"'`],
    ['both quotes -> single quotes, escaped', `it's "both"`, `'it\\'s "both"'`],
    ['backslash doubled', 'back\\slash', "'back\\\\slash'"],
    ['newline, tab, carriage return', 'line\nbreak\ttab\rcr', "'line\\nbreak\\ttab\\rcr'"],
    ['other control chars as \\x', '\x00\x07\x1b\x7f', "'\\x00\\x07\\x1b\\x7f'"],
    ['C1 controls as \\x', '\x80\x9f', "'\\x80\\x9f'"],
    ['printable non-ASCII stays literal', 'café 中文 😀', "'café 中文 😀'"],
    ['no-break space (Zs) escaped', '\xa0nbsp', "'\\xa0nbsp'"],
    ['soft hyphen (Cf) escaped', 'soft\xadhyphen', "'soft\\xadhyphen'"],
    ['zero-width space (Cf)', 'zero\u200bwidth', "'zero\\u200bwidth'"],
    ['line separator (Zl)', 'line\u2028sep', "'line\\u2028sep'"],
    ['ideographic space (Zs)', 'ideo\u3000space', "'ideo\\u3000space'"],
    ['bidi override (Cf)', 'bidi\u202e', "'bidi\\u202e'"],
    ['private use (Co)', 'priv\ue000', "'priv\\ue000'"],
    ['unassigned (Cn)', '\u0378', "'\\u0378'"],
    ['astral tag char as \\U', 'tag\u{e0041}', "'tag\\U000e0041'"],
    ['lone surrogate (Cs)', '\ud800', "'\\ud800'"],
    ['empty', '', "''"],
  ];
  it.each(cases)('%s', (_, input, expected) => {
    expect(pythonStringRepr(input)).toBe(expected);
    expect(pythonStr([input])).toBe(`[${expected}]`);
  });

  it('prints a mixed list choosing quotes per element', () => {
    const parsed = JSON.parse('["it\'s", "say \\"hi\\"", "a\\nb", "caf\\u00e9 \\ud83d\\ude00"]') as string[];
    expect(pythonStr(parsed)).toBe(`["it's", 'say "hi"', 'a\\nb', 'café 😀']`);
  });
});

describe('pythonFloatRepr', () => {
  const cases: Array<[number, string]> = [
    [1, '1.0'],
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [3e-5, '3e-05'],
    [1.5e-7, '1.5e-07'],
    [0.0001, '0.0001'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1e21, '1e+21'],
    [1e22, '1e+22'],
    [123456789012345680, '1.2345678901234568e+17'],
    [9007199254740992, '9007199254740992.0'],
    [100, '100.0'],
    [2.5, '2.5'],
    [-3.75, '-3.75'],
    [12345.678, '12345.678'],
    [0.30000000000000004, '0.30000000000000004'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0, '0.0'],
    [-0, '-0.0'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [Number.NaN, 'nan'],
  ];
  it.each(cases)('%s -> %s', (input, expected) => {
    expect(pythonFloatRepr(input)).toBe(expected);
  });

  it('prints non-integral numbers as floats and safe integers as ints', () => {
    expect(pythonRepr([0.5, 3, pyFloat(3), 2 ** 53])).toBe('[0.5, 3, 3.0, 9007199254740992.0]');
  });
});
