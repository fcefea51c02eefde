/**
 * Dendrite nonces: Python's `time.time_ns()` as a bigint, strictly increasing within the
 * process. Axons refuse a nonce not above the last one they accepted for the same
 * (hotkey, uuid), and the gateway sends concurrently with one uuid, so two requests stamped in
 * the same millisecond (or after the wall clock steps back) must still get distinct,
 * increasing nonces.
 */

/** Returns the current time in nanoseconds since the Unix epoch. */
export type ClockNs = () => bigint;

/** Wall clock in ns. Millisecond resolution is enough: uniqueness comes from the +1 rule. */
export const wallClockNs: ClockNs = () => BigInt(Date.now()) * 1_000_000n;

/**
 * Makes a nonce source: each call returns `max(clock(), previous + 1)`. Use one per dendrite
 * uuid (normally one per process).
 */
export function createNonceSource(clock: ClockNs = wallClockNs): () => bigint {
  let last = -1n;
  return () => {
    const now = clock();
    last = now > last ? now : last + 1n;
    return last;
  };
}
