/** Where a session job's jar may be fetched from. */
import net from 'node:net';
import { DEFAULT_JAR_URI_ALLOWED_SCHEMES, type OperatorValidationConfig } from './options.ts';

const RESTRICTED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this" network, including the wildcard address
  ['10.0.0.0', 8],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
];

function v4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** Loopback, link-local, private, wildcard or multicast, for a literal IP address or `localhost`. */
export function isRestrictedHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (net.isIPv4(bare)) {
    const ip = v4ToInt(bare);
    return RESTRICTED_V4.some(([base, bits]) => ip >>> (32 - bits) === v4ToInt(base) >>> (32 - bits));
  }
  if (net.isIPv6(bare)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    if (mapped?.[1]) return isRestrictedHost(mapped[1]);
    return (
      bare === '::' ||
      bare === '::1' ||
      /^fe[89ab]/.test(bare) ||
      /^f[cd]/.test(bare) ||
      bare.startsWith('ff')
    );
  }
  return false;
}

/**
 * The problem with `jarURI`, if any. Host names are judged as written; resolving them is left to
 * whoever downloads the jar.
 */
export function jarUriProblem(jarURI: string, config: OperatorValidationConfig = {}): string | undefined {
  const schemeMatch = /^([a-zA-Z][a-zA-Z\d+.-]*):/.exec(jarURI);
  if (!schemeMatch?.[1]) return 'jarURI must include a scheme';
  if (/\s/.test(jarURI)) return `jarURI is not a valid URI: Illegal character in ${jarURI}`;
  const scheme = schemeMatch[1];
  const allowed = [
    ...new Set((config.jarUriAllowedSchemes ?? DEFAULT_JAR_URI_ALLOWED_SCHEMES).map((s) => s.toLowerCase())),
  ];
  if (!allowed.includes(scheme.toLowerCase())) {
    return `jarURI scheme '${scheme}' is not in the allowlist [${allowed.join(', ')}]. Configure 'kubernetes.operator.user.artifacts.allowed-schemes' to extend the allowlist.`;
  }
  if (/^https?$/i.test(scheme) && (config.jarUriDisallowRestrictedHosts ?? true)) {
    let host: string;
    try {
      host = new URL(jarURI).hostname;
    } catch (err) {
      return `jarURI is not a valid URI: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (host === '') return 'jarURI must include a host for http/https schemes';
    if (isRestrictedHost(host)) return `jarURI host '${host}' resolves to a restricted address`;
  }
  return undefined;
}
