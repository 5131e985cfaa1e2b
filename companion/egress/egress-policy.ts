// Which addresses a datasource connection may reach. Loopback, private, link-local (cloud metadata
// at 169.254.169.254), multicast and other non-public ranges are refused unless the admin lists the
// host, the IP or its range in COMPANION_EGRESS_ALLOW. The decision is always made on the address
// actually connected to, so a name that resolves differently later (DNS rebinding) cannot slip by.
import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.js';

export interface EgressPolicy {
  /** Throws EgressDeniedError unless `address` (an IP) may be reached for `host` (as configured). */
  check(host: string, address: string): void;
}

export class EgressDeniedError extends AppError {
  constructor(host: string, address: string, range: string) {
    const shown = host === address ? address : `${host} (${address})`;
    // 502 like other upstream failures (DESIGN.md); the code and message say it is the policy.
    super(
      502,
      'egress_denied',
      `Refused by the egress policy: ${shown} is a ${range} address; an administrator may allow it with COMPANION_EGRESS_ALLOW`,
    );
    this.name = 'EgressDeniedError';
  }
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * `[::1]` → `::1`; an IPv6 address that carries an IPv4 one in its last 32 bits and zeros before
 * it is decided as that IPv4: IPv4-mapped (`::ffff:127.0.0.1`) and IPv4-compatible (`::7f00:1`,
 * deprecated, which ipaddr.js calls "unicast") alike, so neither passes for a public address.
 */
export function normaliseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return null;
  const ip = ipaddr.process(bare);
  if (ip.kind() === 'ipv6') {
    const parts = (ip as ipaddr.IPv6).parts;
    const compatible = parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || parts[7]! > 1);
    if (compatible) return new ipaddr.IPv4((ip as ipaddr.IPv6).toByteArray().slice(12));
  }
  return ip;
}

export function createEgressPolicy(allow: readonly string[]): EgressPolicy {
  const hosts = new Set<string>();
  const ranges: Range[] = [];
  for (const entry of allow) {
    const value = entry.trim().toLowerCase();
    if (!value) continue;
    if (value.includes('/') && ipaddr.isValidCIDR(value)) {
      const [net, bits] = ipaddr.parseCIDR(value);
      ranges.push([net.kind() === 'ipv6' && (net as ipaddr.IPv6).isIPv4MappedAddress() ? (net as ipaddr.IPv6).toIPv4Address() : net, bits]);
    } else if (normaliseAddress(value)) {
      const ip = normaliseAddress(value)!;
      ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else {
      hosts.add(value.replace(/\.$/, ''));
    }
  }

  const allowedAddress = (ip: ipaddr.IPv4 | ipaddr.IPv6) =>
    ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net as never, bits));

  return {
    check(host, address) {
      const ip = normaliseAddress(address);
      if (!ip) throw new EgressDeniedError(host, address, 'unparseable');
      const range = ip.range();
      // ipaddr.js calls ordinary public addresses "unicast" (both families).
      if (range === 'unicast') return;
      if (hosts.has(host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, ''))) return;
      if (allowedAddress(ip)) return;
      throw new EgressDeniedError(host, ip.toString(), describeRange(range));
    },
  };
}

function describeRange(range: string): string {
  switch (range) {
    case 'loopback':
      return 'loopback';
    case 'private':
    case 'uniqueLocal':
      return 'private';
    case 'linkLocal':
      return 'link-local (cloud metadata)';
    case 'unspecified':
      return 'unspecified';
    default:
      return `non-public (${range})`;
  }
}
