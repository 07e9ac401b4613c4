/**
 * Which hosts a session job's jar may be downloaded from. By default no address the operator can
 * reach only from inside its own network: loopback, link-local (cloud metadata), private and
 * cluster ranges, unspecified, multicast and reserved, in IPv4 and IPv6, including the IPv6 forms
 * that carry an IPv4 address (mapped, compatible, NAT64, 6to4). Names are judged as written by
 * validation (obviously internal ones are refused); the download resolves them and judges every
 * address it connects to (see `flink/artifacts/fetch.ts`).
 */
import net from 'node:net';

type Range = readonly [base: bigint, bits: number];

const V4_RESTRICTED: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this" network and the unspecified address
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT, used for pod and service networks (and a metadata address)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments (some clouds' metadata)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['168.63.129.16', 32], // Azure's platform endpoint
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

const V6_RESTRICTED: readonly (readonly [string, number])[] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard-only
  ['64:ff9b:1::', 48], // local-use NAT64
  ['fc00::', 7], // unique local (private), including fd00:ec2::254
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some)
  ['ff00::', 8], // multicast
];

/** The address as a number, or undefined when it is not an IP address. IPv4 is returned as is. */
function v4Value(address: string): bigint {
  return address.split('.').reduce((acc, part) => acc * 256n + BigInt(Number(part)), 0n);
}

function v6Value(address: string): bigint {
  let text = address;
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = v4Value(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => acc * 65536n + BigInt(parseInt(g, 16)), 0n);
}

const parseRanges = (list: readonly (readonly [string, number])[], v6: boolean): Range[] =>
  list.map(([base, bits]) => [v6 ? v6Value(base) : v4Value(base), bits] as const);

const V4_RANGES = parseRanges(V4_RESTRICTED, false);
const V6_RANGES = parseRanges(V6_RESTRICTED, true);

function inRange(value: bigint, [base, bits]: Range, width: number): boolean {
  const shift = BigInt(width - bits);
  return value >> shift === base >> shift;
}

/** `[x]` and a trailing dot removed, lower case: the host as a resolver sees it. */
export function bareHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
}

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one: IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:AABB:CCDD::`.
 */
export function embeddedV4(address: string): string | undefined {
  if (!net.isIPv6(address)) return undefined;
  const value = v6Value(address);
  const low32 = value & 0xffffffffn;
  const high96 = value >> 32n;
  let v4: bigint | undefined;
  if (high96 === 0xffffn) v4 = low32;
  else if (high96 === 0n && low32 > 1n) v4 = low32;
  else if (high96 === v6Value('64:ff9b::') >> 32n) v4 = low32;
  else if (value >> 112n === 0x2002n) v4 = (value >> 80n) & 0xffffffffn;
  if (v4 === undefined) return undefined;
  return [24n, 16n, 8n, 0n].map((s) => String((v4 >> s) & 0xffn)).join('.');
}

/** The address in the form the checks and the allow-list compare: IPv4 when it embeds one. */
export function canonicalAddress(address: string): string {
  const bare = bareHost(address);
  return embeddedV4(bare) ?? bare;
}

/** True for an IP address in a restricted range (see the module comment). */
export function isRestrictedAddress(address: string): boolean {
  const ip = canonicalAddress(address);
  if (net.isIPv4(ip)) return V4_RANGES.some((r) => inRange(v4Value(ip), r, 32));
  if (net.isIPv6(ip)) return V6_RANGES.some((r) => inRange(v6Value(ip), r, 128));
  return false;
}

const INTERNAL_NAME_SUFFIXES = [
  'localhost',
  'local', // mDNS
  'localdomain',
  'internal', // metadata.google.internal, cloud-internal DNS
  'svc', // Kubernetes services: <svc>.<ns>.svc
  'cluster.local',
  'home.arpa',
];

/**
 * True for a host name that names something inside the operator's network whatever it resolves
 * to: `localhost`, Kubernetes service names (`*.svc`, `*.svc.cluster.local`, `kubernetes.default`),
 * cloud-internal names (`metadata.google.internal`) and single-label names, which a cluster's
 * resolver completes with its search domains. Also true for a restricted IP literal.
 */
export function isRestrictedHost(host: string): boolean {
  const bare = bareHost(host);
  if (net.isIP(bare)) return isRestrictedAddress(bare);
  if (!bare.includes('.')) return true;
  if (INTERNAL_NAME_SUFFIXES.some((s) => bare === s || bare.endsWith(`.${s}`))) return true;
  if (/\.svc\./.test(`${bare}.`)) return true;
  return bare === 'kubernetes.default' || bare.startsWith('kubernetes.default.');
}

/**
 * One entry of `kubernetes.operator.user.artifacts.restricted-hosts.allowed`: a host name, an IP
 * address or a CIDR range, optionally with `:port` (`[v6]:port` for IPv6).
 */
interface AllowEntry {
  name?: string;
  range?: { v6: boolean; range: Range };
  port?: number;
}

function parseEntry(text: string): AllowEntry | undefined {
  let hostPart = text.trim().toLowerCase();
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?(\/\d+)?$/.exec(hostPart);
  if (bracketed?.[1]) {
    hostPart = bracketed[1] + (bracketed[3] ?? '');
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (!net.isIPv6(hostPart.split('/')[0] ?? '')) {
    const withPort = /^(.*):(\d+)$/.exec(hostPart);
    if (withPort?.[1]) {
      hostPart = withPort[1];
      port = Number(withPort[2]);
    }
  }
  const [address = '', prefix] = hostPart.split('/');
  const ip = canonicalAddress(address);
  if (net.isIP(ip)) {
    const v6 = net.isIPv6(ip);
    const width = v6 ? 128 : 32;
    const bits = prefix === undefined ? width : Number(prefix);
    if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
    return { range: { v6, range: [v6 ? v6Value(ip) : v4Value(ip), bits] }, port };
  }
  if (prefix !== undefined || address === '') return undefined;
  return { name: bareHost(address), port };
}

/** A download target: the URL's host as written, its port and (once resolved) the address. */
export interface HostTarget {
  host: string;
  port: number;
  address?: string;
}

export class HostPolicy {
  private readonly entries: AllowEntry[];

  /**
   * @param restrict `kubernetes.operator.user.artifacts.disallow-restricted-hosts`
   * @param allowed `kubernetes.operator.user.artifacts.restricted-hosts.allowed`
   */
  constructor(
    readonly restrict = true,
    allowed: readonly string[] = [],
  ) {
    this.entries = allowed.map(parseEntry).filter((e): e is AllowEntry => e !== undefined);
  }

  private allowedBy(target: HostTarget): boolean {
    const host = bareHost(target.host);
    const address = target.address ?? (net.isIP(host) ? host : undefined);
    return this.entries.some((entry) => {
      if (entry.port !== undefined && entry.port !== target.port) return false;
      if (entry.name !== undefined) return entry.name === host;
      if (!entry.range || address === undefined) return false;
      const ip = canonicalAddress(address);
      if (net.isIPv6(ip) !== entry.range.v6) return false;
      const value = entry.range.v6 ? v6Value(ip) : v4Value(ip);
      return inRange(value, entry.range.range, entry.range.v6 ? 128 : 32);
    });
  }

  /** Why the host as written may not be used, or undefined. */
  nameProblem(target: HostTarget): string | undefined {
    if (!this.restrict || !isRestrictedHost(target.host) || this.allowedBy(target)) return undefined;
    return `host '${bareHost(target.host)}' resolves to a restricted address`;
  }

  /** Why a resolved address of the host may not be connected to, or undefined. */
  addressProblem(target: Required<HostTarget>): string | undefined {
    if (!this.restrict || !isRestrictedAddress(target.address) || this.allowedBy(target)) return undefined;
    return `host '${bareHost(target.host)}' resolves to the restricted address ${canonicalAddress(target.address)}`;
  }
}

/** The URL's port, or the scheme's default one. */
export function effectivePort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'http:' ? 80 : 443;
}
