import { describe, expect, it } from 'vitest';
import { hashApiKey, type StoredKey } from '../src/access/apiKeys.js';
import { Authenticator } from '../src/access/authenticator.js';
import { UNAVAILABLE, type KeyLookup } from '../src/access/keyLookup.js';
import { authSchema, rateLimitsSchema } from '../src/config/stateSchema.js';

/** Keys as Redis would hold them, and a switch for Redis being down. */
class KeyTable implements KeyLookup {
  readonly keys = new Map<string, StoredKey>();
  down = false;
  lookups = 0;
  async find(sha256: string): Promise<StoredKey | undefined | typeof UNAVAILABLE> {
    this.lookups++;
    return this.down ? UNAVAILABLE : this.keys.get(sha256);
  }
}

describe('API keys confirmed by Redis', () => {
  it('stay usable through an outage even after a flood of unknown keys, and unknown keys are not asked again within a second', async () => {
    let now = 1_000_000;
    const table = new KeyTable();
    table.keys.set(hashApiKey('tg-good'), { id: 'k1', sha256: hashApiKey('tg-good'), createdAt: 0 });
    const auth = new Authenticator({ auth: authSchema.parse({ mode: 'keys' }), defaults: rateLimitsSchema.parse({}), lookup: table, now: () => now });
    expect((await auth.authenticate('Bearer tg-good')).id).toBe('k1');

    // 20,000 different bad keys: more than either memory holds.
    for (let i = 0; i < 20_000; i++) await expect(Promise.resolve().then(() => auth.authenticate(`Bearer tg-bad-${i}`))).rejects.toMatchObject({ status: 401 });
    const lookups = table.lookups;
    await expect(Promise.resolve().then(() => auth.authenticate('Bearer tg-bad-19999'))).rejects.toMatchObject({ status: 401 });
    expect(table.lookups).toBe(lookups); // remembered as unknown

    now += 60_000; // past lookupCacheMs: the good key is asked again, and Redis is down
    table.down = true;
    expect((await auth.authenticate('Bearer tg-good')).id).toBe('k1');
  });
});
