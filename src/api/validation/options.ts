import type { ParsableOption } from './operator-options.ts';

/** Operator-level settings that change what validation accepts. */
export interface OperatorValidationConfig {
  /** The operator's typed options: values a resource sets for them must parse. */
  operatorOptions?: readonly ParsableOption[];
  /** Flink configuration every resource starts from (the operator's defaults). */
  defaultFlinkConfiguration?: Record<string, unknown>;
  /** URI schemes a session job's jarURI may use (compared case-insensitively); default `https`. */
  jarUriAllowedSchemes?: string[];
  /** Reject http(s) jarURIs whose host is a loopback, link-local, private, wildcard or multicast address; default true. */
  jarUriDisallowRestrictedHosts?: boolean;
  /** Restricted hosts a jarURI may use all the same (`kubernetes.operator.user.artifacts.restricted-hosts.allowed`). */
  jarUriAllowedRestrictedHosts?: string[];
}

export const DEFAULT_JAR_URI_ALLOWED_SCHEMES = ['https'];
