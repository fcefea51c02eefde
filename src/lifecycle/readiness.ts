/** One condition for taking traffic (config, miners per model, Redis, chain, shutdown). */
export interface ReadinessCheck {
  name: string;
  check(): CheckResult | Promise<CheckResult>;
}

export interface CheckResult {
  ok: boolean;
  /** Why not, in words an operator can act on. */
  reason?: string;
  detail?: Record<string, unknown>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
  /** Extra facts shown by /readyz (e.g. the gateway's hotkey address). */
  info: Record<string, unknown>;
}

/** Runs every check (each bounded in time) and reports ready only when all pass. */
export async function evaluateReadiness(checks: readonly ReadinessCheck[], info: Record<string, unknown> = {}, timeoutMs = 1_000): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map(async (c) => [c.name, await withTimeout(c, timeoutMs)] as const));
  return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results), info };
}

async function withTimeout(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `check timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => check.check()), timeout]);
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
