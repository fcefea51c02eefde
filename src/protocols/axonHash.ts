/**
 * The classic synapse body hash (PROTOCOLS.md §3), as `Synapse.body_hash` computes it:
 * SHA3-256 (FIPS, not Keccak) hex of the concatenated SHA3-256 hex of `str(field)` for each
 * field of `required_hash_fields`, in that order.
 */
import { createHash } from 'node:crypto';
import { pythonStr } from './pythonRepr.js';

/** Lower-case hex SHA3-256 of the UTF-8 of `text`. */
export function sha3Hex(text: string): string {
  return createHash('sha3-256').update(text, 'utf8').digest('hex');
}

/**
 * Body hash of a synapse (its JSON fields as a plain object). Throws TypeError when a hashed
 * field is absent (Python would hash the field's default, which only the synapse class knows)
 * or holds a value with no Python equivalent.
 */
export function axonBodyHash(synapse: Readonly<Record<string, unknown>>, requiredHashFields: readonly string[]): string {
  let inner = '';
  for (const field of requiredHashFields) {
    if (!Object.hasOwn(synapse, field) || synapse[field] === undefined) {
      throw new TypeError(`synapse has no value for hashed field "${field}"`);
    }
    inner += sha3Hex(pythonStr(synapse[field]));
  }
  return sha3Hex(inner);
}
