// Every outbound HTTP connection made for a datasource goes through this undici Agent. Its
// connector checks the address the socket is about to use: the resolved one for names (through a
// custom `lookup`, so the check and the connect use the very same address) and the literal one for
// IPs (Node skips `lookup` for those). Redirects open new connections, so they pass here too.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import type { EgressPolicy } from './egress-policy.js';

export const CONNECT_TIMEOUT_MS = 5_000;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** How the guard resolves a name: every address, once per connection. Tests inject their own. */
export type Resolve = (hostname: string, options: { all: true } & Record<string, unknown>, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;
const systemResolve: Resolve = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/** A `dns.lookup` replacement that refuses addresses the policy forbids. */
export function guardedLookup(policy: EgressPolicy, resolve: Resolve = systemResolve) {
  return (hostname: string, options: { all?: boolean } & Record<string, unknown>, callback: LookupCallback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      // Only the permitted addresses are handed to the socket: a name resolving to a public and a
      // forbidden address (`localhost` → 127.0.0.1 and ::1 with only 127.0.0.1 allowed, or a
      // rebinding attempt) connects to the permitted one or not at all.
      let denied: unknown;
      const permitted = addresses.filter((a) => {
        try {
          policy.check(hostname, a.address);
          return true;
        } catch (e) {
          denied ??= e;
          return false;
        }
      });
      const first = permitted[0];
      if (!first) {
        return callback((denied as NodeJS.ErrnoException) ?? Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      }
      if (options.all) return callback(null, permitted);
      callback(null, first.address, first.family);
    });
  };
}

/** Resolves a host once and checks it, for drivers (SQL) that are then pinned to that address. */
export function resolveChecked(policy: EgressPolicy, host: string, resolve: Resolve = systemResolve): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) {
    policy.check(host, bare);
    return Promise.resolve(bare);
  }
  return new Promise((done, reject) => {
    guardedLookup(policy, resolve)(bare, {}, (err, address) => (err ? reject(err) : done(address as string)));
  });
}

export function createGuardedAgent(policy: EgressPolicy, resolve: Resolve = systemResolve): Agent {
  const base = buildConnector({ timeout: CONNECT_TIMEOUT_MS, lookup: guardedLookup(policy, resolve) as never });
  return new Agent({
    connect(options, callback) {
      const bare = options.hostname.replace(/^\[|\]$/g, '');
      if (isIP(bare)) {
        try {
          policy.check(bare, bare);
        } catch (denied) {
          callback(denied as Error, null);
          return;
        }
      }
      base(options, callback);
    },
    connections: 16,
    keepAliveTimeout: 10_000,
  });
}
