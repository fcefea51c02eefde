import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { AddressGuard } from './addressGuard.js';

/** A connection refused by the address guard; `code` is `ERR_ADDRESS_BLOCKED`. */
export class AddressBlockedError extends Error {
  readonly code = 'ERR_ADDRESS_BLOCKED';
  constructor(readonly host: string, readonly address: string, readonly reason: string) {
    super(host === address ? `connection to ${address} blocked: ${reason}` : `connection to ${host} (${address}) blocked: ${reason}`);
    this.name = 'AddressBlockedError';
  }
}

export type GuardedConnectorOptions = buildConnector.BuildOptions & {
  /** The resolver to guard (default `dns.lookup`); tests pass one that rebinds. */
  lookup?: LookupFunction;
};

type LookupAllCallback = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;

/**
 * The guarded resolver: resolves every address of a host name and refuses the connection if
 * any one of them is blocked, so a name that rebinds to a private address (even as its second
 * answer, which Happy Eyeballs might try) never gets through.
 */
function guardLookup(guard: AddressGuard, resolve: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupOptions = { ...options, all: true };
    const onResolved: LookupAllCallback = (err, addresses) => {
      if (err) { callback(err, ''); return; }
      if (addresses.length === 0) {
        callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
        return;
      }
      for (const a of addresses) {
        const verdict = guard.check(a.address);
        if (!verdict.allowed) { callback(new AddressBlockedError(hostname, a.address, verdict.reason), ''); return; }
      }
      if (options.all) callback(null, addresses);
      else callback(null, (addresses[0] as LookupAddress).address, (addresses[0] as LookupAddress).family);
    };
    (resolve as unknown as (h: string, o: LookupOptions, cb: LookupAllCallback) => void)(hostname, all, onResolved);
  };
}

/**
 * An undici connector that only reaches addresses the guard allows: IP literals are checked
 * before connecting, host names through a guarded `lookup`. Give it to every undici Agent/Client
 * that talks to miners (`new Agent({ connect: createGuardedConnector(guard, {...}) })`).
 */
export function createGuardedConnector(guard: AddressGuard, options: GuardedConnectorOptions = {}): buildConnector.connector {
  const { lookup, ...rest } = options;
  // A Unix socket path would bypass every address check.
  if ('socketPath' in rest && rest.socketPath !== undefined) throw new Error('createGuardedConnector: socketPath is not allowed');
  const connect = buildConnector({ ...rest, lookup: guardLookup(guard, lookup ?? (dnsLookup as LookupFunction)) });
  return (opts, callback) => {
    const host = opts.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0) {
      const verdict = guard.check(host);
      if (!verdict.allowed) {
        const error = new AddressBlockedError(host, host, verdict.reason);
        // Callers expect the callback after return, as a real connection attempt would.
        queueMicrotask(() => { callback(error, null); });
        return;
      }
    }
    connect(opts, callback);
  };
}
