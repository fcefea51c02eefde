// Vectors from PROTOCOLS.md §3; the SN1-style ones were computed with CPython 3.11:
// sha3_256(''.join(sha3_256(str(syn[f]).encode()).hexdigest() for f in fields).encode()).
import { describe, expect, it } from 'vitest';
import { axonBodyHash, sha3Hex } from '../src/protocols/axonHash.js';
import { pyFloat } from '../src/protocols/pythonRepr.js';

const SN1_BODY = JSON.parse(
  '{"messages": ["it\'s", "say \\"hi\\"", "a\\nb", "caf\\u00e9 \\ud83d\\ude00"], "roles": ["user", "assistant"], ' +
    '"sampling": {"temperature": 0.7, "max_new_tokens": 256, "do_sample": true, "seed": null, "top_p": 1.0}, ' +
    '"completion": "plain text"}',
) as Record<string, unknown>;

describe('axon body hash', () => {
  it("matches the messages=['Hello'] vector, inner and outer", () => {
    expect(sha3Hex("['Hello']")).toBe('f7af11aa1a4b806bd7ceaff7c809a91dbd41f35b98a205e074f4aa4b32ae4ef7');
    expect(axonBodyHash({ messages: ['Hello'], roles: ['user'] }, ['messages'])).toBe(
      '7d572de8b8df200488c8c72bb6a1588ac7073e7c32d036d196ba7f7b2ada3e3f',
    );
  });

  it('hashes the empty string when no field is hashed (FIPS SHA3, not Keccak)', () => {
    expect(axonBodyHash({ messages: ['Hello'] }, [])).toBe('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a');
  });

  it('matches CPython on lists with mixed quoting and unicode', () => {
    expect(axonBodyHash(SN1_BODY, ['messages'])).toBe('b203e99b43126367158549a80b26735af74afbb003ad10709b3d08dd3c060d29');
  });

  it('concatenates per-field hashes in the order of required_hash_fields', () => {
    expect(axonBodyHash(SN1_BODY, ['roles', 'messages'])).toBe(
      'b2d29dc5c6e2ebecda232fe78ff50d4e3796b2f0129bff3b6b91c2e0d12542e1',
    );
  });

  it('hashes a top-level string field unquoted', () => {
    expect(axonBodyHash(SN1_BODY, ['completion'])).toBe('026c9c9c09ba547a6f58ba343cb1df88d699d3a1cb1c9bad5fd79cf1526f79f5');
  });

  it('matches CPython on a dict once its integral float is marked', () => {
    const sampling = { ...(SN1_BODY.sampling as Record<string, unknown>), top_p: pyFloat(1) };
    expect(axonBodyHash({ sampling }, ['sampling'])).toBe('272418a350ebb3cb1f3eedf5b9bf8390ccee617595fc6e07acb87591de7a5e19');
  });

  it('changes when a hashed field changes, not when another does', () => {
    const base = axonBodyHash({ messages: ['Hello'], roles: ['user'] }, ['messages']);
    expect(axonBodyHash({ messages: ['Hello'], roles: ['system'] }, ['messages'])).toBe(base);
    expect(axonBodyHash({ messages: ['Hello!'], roles: ['user'] }, ['messages'])).not.toBe(base);
  });

  it('refuses to hash a missing field', () => {
    expect(() => axonBodyHash({ roles: [] }, ['messages'])).toThrow('synapse has no value for hashed field "messages"');
  });
});
