/**
 * The operator's Flink defaults: its whole configuration, then the entries under
 * `kubernetes.operator.default-configuration.namespace.<ns>.`, then those under
 * `kubernetes.operator.default-configuration.flink-version.<v>+.` for every version up to the
 * resource's (oldest first) and `...flink-version.<v>.` for exactly its version.
 */
import { JAVA17_MODULE_OPTIONS } from './java.ts';
import { FLINK_VERSIONS } from '../../api/index.ts';
import { NAMESPACE_DEFAULTS_PREFIX, VERSION_DEFAULTS_PREFIX } from './keys.ts';

export type FlinkVersion = (typeof FLINK_VERSIONS)[number];

/**
 * What the upstream Helm chart ships as the operator's default Flink configuration: one slot and
 * parallelism 1, and the JVM flags Java 17 needs (as `env.java.opts.all` for 1.18, and as
 * `env.java.default-opts.all` from 1.19 so that user `opts.all` are added to them).
 */
export const DEFAULT_OPERATOR_CONFIGURATION: Readonly<Record<string, string>> = (() => {
  const java17Flags = JAVA17_MODULE_OPTIONS.join(' ');
  return {
    'taskmanager.numberOfTaskSlots': '1',
    'parallelism.default': '1',
    [`${VERSION_DEFAULTS_PREFIX}v1_18.env.java.opts.all`]: java17Flags,
    [`${VERSION_DEFAULTS_PREFIX}v1_19+.env.java.default-opts.all`]: java17Flags,
  };
})();

const VERSION_KEY = /^v(\d+)_(\d+)(\+?)\./;

function versionIndex(major: string, minor: string): number {
  return FLINK_VERSIONS.indexOf(`v${major}_${minor}` as FlinkVersion);
}

/** The prefixes that apply to `version`, in the order they are applied. */
export function versionPrefixes(config: Readonly<Record<string, string>>, version: FlinkVersion): string[] {
  const own = FLINK_VERSIONS.indexOf(version);
  const atLeast = new Map<number, string>();
  for (const key of Object.keys(config)) {
    if (!key.startsWith(VERSION_DEFAULTS_PREFIX)) continue;
    const match = VERSION_KEY.exec(key.slice(VERSION_DEFAULTS_PREFIX.length));
    if (!match || match[3] !== '+') continue;
    const index = versionIndex(match[1]!, match[2]!);
    if (index >= 0 && index <= own)
      atLeast.set(index, `${VERSION_DEFAULTS_PREFIX}v${match[1]}_${match[2]}+.`);
  }
  const ordered = [...atLeast.entries()].sort(([a], [b]) => a - b).map(([, prefix]) => prefix);
  return [...ordered, `${VERSION_DEFAULTS_PREFIX}${version}.`];
}

function applyPrefix(
  prefix: string,
  from: Readonly<Record<string, string>>,
  into: Record<string, string>,
): void {
  for (const [key, value] of Object.entries(from)) {
    if (key.startsWith(prefix) && key.length > prefix.length) into[key.slice(prefix.length)] = value;
  }
}

/** The defaults for a resource in `namespace` running `version`. */
export function defaultsFor(
  operatorConfig: Readonly<Record<string, string>>,
  namespace: string | undefined,
  version: FlinkVersion | undefined,
): Record<string, string> {
  const config = { ...operatorConfig };
  if (namespace) applyPrefix(`${NAMESPACE_DEFAULTS_PREFIX}${namespace}.`, operatorConfig, config);
  if (version) {
    for (const prefix of versionPrefixes(operatorConfig, version))
      applyPrefix(prefix, operatorConfig, config);
  }
  return config;
}
