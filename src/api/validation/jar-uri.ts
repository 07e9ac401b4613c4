/** Where a session job's jar may be fetched from. */
import { redactText } from '../../runtime/redact.ts';
import { HostPolicy, effectivePort } from './host-policy.ts';
import { DEFAULT_JAR_URI_ALLOWED_SCHEMES, type OperatorValidationConfig } from './options.ts';

/**
 * The problem with `jarURI`, if any. Host names are judged as written (internal names and every
 * form of a restricted address are refused); the download resolves the name and judges each
 * address it connects to, after every redirect.
 */
export function jarUriProblem(jarURI: string, config: OperatorValidationConfig = {}): string | undefined {
  const schemeMatch = /^([a-zA-Z][a-zA-Z\d+.-]*):/.exec(jarURI);
  if (!schemeMatch?.[1]) return 'jarURI must include a scheme';
  if (/\s/.test(jarURI)) return `jarURI is not a valid URI: Illegal character in ${redactText(jarURI)}`;
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
    const policy = new HostPolicy(true, config.jarUriAllowedRestrictedHosts ?? []);
    const problem = policy.nameProblem({ host, port: effectivePort(new URL(jarURI)) });
    if (problem) {
      return `jarURI ${problem}. Configure 'kubernetes.operator.user.artifacts.restricted-hosts.allowed' to allow it.`;
    }
  }
  return undefined;
}
