import type { Limits } from '../access/apiKeys.js';
import type { MemoryRateLimiter } from '../access/memoryRateLimiter.js';
import type { RateLimitStore } from '../access/rateLimiter.js';
import { WINDOW_MS, type Decision, type LimitState } from '../access/slidingWindow.js';
import type { RedisConnection, RedisScript } from './redisClient.js';

// The arithmetic of access/slidingWindow.ts, in one atomic round trip per request. Time comes
// from Redis (TIME), so replicas with skewed clocks still share the same windows. One hash
// per key (`r<window>`, `t<window>` fields), so the script touches one declared key (Cluster).
const ADMIT = `
local W = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local w = math.floor(now / W)
local e = now - w * W
local f = redis.call('HMGET', KEYS[1], 'r' .. w, 'r' .. (w - 1), 't' .. w, 't' .. (w - 1))
local rc, rp, tc, tp = tonumber(f[1] or 0), tonumber(f[2] or 0), tonumber(f[3] or 0), tonumber(f[4] or 0)
local function est(c, p) return p * ((W - e) / W) + c end
local function waitfor(c, p, limit, need)
  if est(c, p) + need <= limit then return 0 end
  if c + need <= limit then return math.max(0, W - e - ((limit - c - need) * W) / p) end
  return W - e + math.max(0, W - ((limit - need) * W) / c)
end
local function state(c, p, limit)
  local remaining = math.max(0, math.floor(limit - est(c, p)))
  if remaining > 0 then return remaining, W - e end
  return 0, math.max(1, waitfor(c, p, limit, 1))
end
local rpm, tpm, prompt = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local rw, tw = 0, 0
if rpm > 0 then rw = waitfor(rc, rp, rpm, 1) end
if tpm > 0 then tw = waitfor(tc, tp, tpm, math.max(1, math.min(prompt, tpm))) end
local allowed = 0
if rw == 0 and tw == 0 then
  allowed = 1
  rc = rc + 1
  tc = tc + prompt
  redis.call('HINCRBY', KEYS[1], 'r' .. w, 1)
  if prompt > 0 then redis.call('HINCRBY', KEYS[1], 't' .. w, prompt) end
  if redis.call('HLEN', KEYS[1]) > 4 then
    for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
      if tonumber(string.sub(name, 2)) < w - 1 then redis.call('HDEL', KEYS[1], name) end
    end
  end
  redis.call('PEXPIRE', KEYS[1], 2 * W)
end
local rr, rreset, tr, treset = 0, 0, 0, 0
if rpm > 0 then rr, rreset = state(rc, rp, rpm) end
if tpm > 0 then tr, treset = state(tc, tp, tpm) end
local by = 0
if rw > 0 then by = 1 elseif tw > 0 then by = 2 end
return {allowed, math.ceil(math.max(rw, tw)), by, rr, math.ceil(rreset), tr, math.ceil(treset)}
`;

const CHARGE = `
local W = tonumber(ARGV[2])
local t = redis.call('TIME')
local w = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / W)
if redis.call('HINCRBY', KEYS[1], 't' .. w, ARGV[1]) < 0 then redis.call('HSET', KEYS[1], 't' .. w, 0) end
redis.call('PEXPIRE', KEYS[1], 2 * W)
return 1
`;

/**
 * Rate limits shared by every replica: one script call per request (decide and count
 * atomically), one more when the answer's real token count is known. While Redis is down
 * or slow, the in-memory limiter decides instead (limits enforced per replica).
 */
export class RedisRateLimiter implements RateLimitStore {
  readonly #redis: RedisConnection;
  readonly #fallback: MemoryRateLimiter;
  readonly #admit: RedisScript;
  readonly #charge: RedisScript;

  constructor(redis: RedisConnection, fallback: MemoryRateLimiter) {
    this.#redis = redis;
    this.#fallback = fallback;
    this.#admit = redis.script('taogateRateAdmit', ADMIT, 1);
    this.#charge = redis.script('taogateRateCharge', CHARGE, 1);
  }

  admit(id: string, limits: Limits, promptTokens: number): Promise<Decision> {
    const rpm = limits.requestsPerMinute ?? 0;
    const tpm = limits.tokensPerMinute ?? 0;
    return this.#redis.health.run(
      'ratelimit.admit',
      async () => {
        const r = await this.#admit([this.#key(id)], [rpm, tpm, promptTokens, WINDOW_MS]) as number[];
        const decision: Decision = { allowed: r[0] === 1, retryAfterMs: r[1]! };
        if (r[2] !== 0) decision.refusedBy = r[2] === 1 ? 'requests' : 'tokens';
        if (rpm > 0) decision.requests = state(rpm, r[3]!, r[4]!);
        if (tpm > 0) decision.tokens = state(tpm, r[5]!, r[6]!);
        return decision;
      },
      () => this.#fallback.admitNow(id, limits, promptTokens),
    );
  }

  charge(id: string, tokens: number): Promise<void> {
    if (tokens === 0) return Promise.resolve();
    return this.#redis.health.run(
      'ratelimit.charge',
      async () => {
        await this.#charge([this.#key(id)], [tokens, WINDOW_MS]);
      },
      () => this.#fallback.chargeNow(id, tokens),
    );
  }

  #key(id: string): string {
    return `${this.#redis.prefix}ratelimit:{${id}}`;
  }
}

function state(limit: number, remaining: number, resetMs: number): LimitState {
  return { limit, remaining, resetMs };
}
