import { ALL_NAMESPACES, RuntimeOptions, type ConfigOption } from './options.ts';

/**
 * An immutable snapshot of the operator configuration: flat `key → string` pairs as written in
 * the config file, read through typed options. A new snapshot replaces it on reload.
 */
export class OperatorConfig {
  private readonly values: ReadonlyMap<string, string>;

  constructor(
    values: Record<string, string> | ReadonlyMap<string, string> = {},
    /** Where the values came from, for logs. */
    readonly sources: readonly string[] = [],
  ) {
    this.values = new Map(values instanceof Map ? values : Object.entries(values));
  }

  /** The raw text of a key, or undefined. */
  raw(key: string): string | undefined {
    return this.values.get(key);
  }

  entries(): [string, string][] {
    return [...this.values.entries()].sort(([a], [b]) => a.localeCompare(b));
  }

  /** The option's value: the key, else its first deprecated key present, else the default. */
  get<T>(option: ConfigOption<T>): T {
    for (const key of [option.key, ...option.deprecatedKeys]) {
      const text = this.values.get(key);
      if (text === undefined) continue;
      try {
        return option.parse(text);
      } catch (err) {
        throw new Error(`invalid value for ${key}: ${(err as Error).message}`, { cause: err });
      }
    }
    return option.defaultValue;
  }

  /** A copy with some keys replaced (tests, per-resource overrides). */
  with(overrides: Record<string, string>): OperatorConfig {
    return new OperatorConfig(new Map([...this.values, ...Object.entries(overrides)]), this.sources);
  }

  /** Keys whose value differs between the two snapshots. */
  changedKeys(other: OperatorConfig): string[] {
    const keys = new Set([...this.values.keys(), ...other.values.keys()]);
    return [...keys].filter((k) => this.values.get(k) !== other.values.get(k)).sort();
  }
}

/** The namespaces to watch, or 'all'. An empty list or the upstream sentinel means all. */
export function watchedNamespaces(config: OperatorConfig): string[] | 'all' {
  const names = config
    .get(RuntimeOptions.watchedNamespaces)
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length === 0 || names.includes(ALL_NAMESPACES) ? 'all' : [...new Set(names)];
}

const DEFAULT_PROMETHEUS_PORT = 9249;

/**
 * The port of a configured Prometheus reporter, or undefined when none is configured. As in the
 * upstream chart, a reporter is `kubernetes.operator.metrics.reporter.<name>.factory.class` (or
 * `.class`) naming Flink's Prometheus reporter; its `.port` may be a range ("9250-9260"), of which
 * the first port is used.
 */
export function prometheusPort(config: OperatorConfig): number | undefined {
  const pattern = /^kubernetes\.operator\.metrics\.reporter\.([^.]+)\.(?:factory\.)?class$/;
  for (const [key, value] of config.entries()) {
    const name = pattern.exec(key)?.[1];
    if (!name || !/Prometheus(Reporter|ReporterFactory)$/.test(value.trim())) continue;
    const port = config.raw(`kubernetes.operator.metrics.reporter.${name}.port`);
    if (port === undefined) return DEFAULT_PROMETHEUS_PORT;
    const first = Number(port.split('-')[0]?.trim());
    if (!Number.isInteger(first) || first < 0 || first > 65535) {
      throw new Error(`invalid value for kubernetes.operator.metrics.reporter.${name}.port: "${port}"`);
    }
    return first;
  }
  return undefined;
}
