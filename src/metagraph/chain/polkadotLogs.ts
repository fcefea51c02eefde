import type { Logger } from '../logger.js';

/**
 * Routes `@polkadot/*` console output to our logger. Those packages log straight to `console`
 * (`2026-01-01 00:00:00        RPC-CORE: ...`) with no hook: every failing RPC, every dropped
 * subscription and the unknown-signed-extensions notice would otherwise land on stdout beside
 * the gateway's JSON logs, and repeat on each reconnect. Our own code reports the same failures
 * with context, so the routed lines go to `debug`.
 *
 * The console methods are wrapped only while at least one chain connection is open, and other
 * output passes through untouched.
 */

const METHODS = ['log', 'warn', 'error'] as const;
type Method = (typeof METHODS)[number];

const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const ORIGIN = /^\s*([A-Z0-9][A-Z0-9/_-]*):$/;

const sinks: Logger[] = [];
let originals: Record<Method, (...args: unknown[]) => void> | undefined;
let patched: Record<Method, (...args: unknown[]) => void> | undefined;

function isPolkadotLine(args: readonly unknown[]): boolean {
  return typeof args[0] === 'string' && DATE.test(args[0]) && typeof args[1] === 'string' && ORIGIN.test(args[1]);
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function install(): void {
  if (originals) return;
  const saved = {} as Record<Method, (...args: unknown[]) => void>;
  const wrappers = {} as Record<Method, (...args: unknown[]) => void>;
  for (const method of METHODS) {
    const original = console[method] as (...args: unknown[]) => void;
    saved[method] = original;
    wrappers[method] = (...args: unknown[]): void => {
      const sink = sinks[sinks.length - 1];
      if (!sink || !isPolkadotLine(args)) { original.apply(console, args); return; }
      const origin = (ORIGIN.exec(args[1] as string) as RegExpExecArray)[1];
      const message = args.slice(2).map(describe).join(' ').replace(/\s*\n\s*/g, ' ').slice(0, 2000);
      sink.debug({ origin, polkadotLevel: method === 'log' ? 'info' : method }, message);
    };
    console[method] = wrappers[method];
  }
  originals = saved;
  patched = wrappers;
}

function uninstall(): void {
  if (!originals || !patched) return;
  for (const method of METHODS) {
    // Someone wrapped console after us: leave their wrapper (ours passes everything through).
    if (console[method] === patched[method]) console[method] = originals[method];
  }
  originals = undefined;
  patched = undefined;
}

/** Sends @polkadot console lines to `logger` until the returned release function is called. */
export function routePolkadotLogs(logger: Logger): () => void {
  sinks.push(logger);
  install();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const i = sinks.lastIndexOf(logger);
    if (i >= 0) sinks.splice(i, 1);
    if (sinks.length === 0) uninstall();
  };
}
