import { parseDurationMs } from './duration.ts';

/** A typed configuration key with its default and the older names it still answers to. */
export interface ConfigOption<T> {
  readonly key: string;
  readonly defaultValue: T;
  readonly deprecatedKeys: readonly string[];
  parse(text: string): T;
}

const PREFIX = 'kubernetes.operator.';

function parseBoolean(text: string): boolean {
  const lower = text.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new Error(`"${text}" is not a boolean (true or false)`);
}

function parseInteger(text: string): number {
  if (!/^[-+]?\d+$/.test(text.trim())) throw new Error(`"${text}" is not an integer`);
  return Number(text.trim());
}

function parseNumber(text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`"${text}" is not a number`);
  return value;
}

function option<T>(
  prefix: string,
  name: string,
  defaultValue: T,
  parse: (text: string) => T,
  deprecatedNames: string[] = [],
): ConfigOption<T> {
  return { key: prefix + name, defaultValue, parse, deprecatedKeys: deprecatedNames.map((n) => prefix + n) };
}

/** Builders of typed options whose keys start with `prefix`. */
function optionBuilders(prefix: string) {
  return {
    duration: (name: string, ms: number, deprecated?: string[]) =>
      option(prefix, name, ms, parseDurationMs, deprecated),
    optionalDuration: (name: string) => option<number | undefined>(prefix, name, undefined, parseDurationMs),
    integer: (name: string, value: number, deprecated?: string[]) =>
      option(prefix, name, value, parseInteger, deprecated),
    optionalInteger: (name: string) => option<number | undefined>(prefix, name, undefined, parseInteger),
    number: (name: string, value: number, deprecated?: string[]) =>
      option(prefix, name, value, parseNumber, deprecated),
    optionalNumber: (name: string, deprecated?: string[]) =>
      option<number | undefined>(prefix, name, undefined, parseNumber, deprecated),
    bool: (name: string, value: boolean, deprecated?: string[]) =>
      option(prefix, name, value, parseBoolean, deprecated),
    text: (name: string, value: string, deprecated?: string[]) =>
      option(prefix, name, value, (t) => t.trim(), deprecated),
    optionalText: (name: string, deprecated?: string[]) =>
      option<string | undefined>(
        prefix,
        name,
        undefined,
        (t) => (t.trim() === '' ? undefined : t.trim()),
        deprecated,
      ),
    /** One of `values`, matched regardless of case as Flink reads enums; answers in their spelling. */
    choice: <V extends string>(name: string, value: V, values: readonly V[], deprecated?: string[]) =>
      option<V>(
        prefix,
        name,
        value,
        (t) => {
          const found = values.find((v) => v.toUpperCase() === t.trim().toUpperCase());
          if (found === undefined) throw new Error(`"${t}" is not one of ${values.join(', ')}`);
          return found;
        },
        deprecated,
      ),
    /** Flink lists are `;`-separated; `,` is accepted as well. */
    list: (name: string, value: string[], deprecated?: string[]) =>
      option(
        prefix,
        name,
        value,
        (t) =>
          t
            .split(/[;,]/)
            .map((item) => item.trim())
            .filter((item) => item !== ''),
        deprecated,
      ),
  };
}

/**
 * Builders for `kubernetes.operator.<name>` options; controllers declare their own keys with them.
 * Names are relative to the `kubernetes.operator.` prefix.
 */
export const operatorOption = optionBuilders(PREFIX);

/** Builders for Flink's own keys (no prefix), which the operator reads from a resource's configuration. */
export const flinkOption = optionBuilders('');

const { duration, optionalDuration, integer, bool, text, optionalText } = operatorOption;

/** Sentinel value of `watched.namespaces` meaning every namespace (same spelling as upstream). */
export const ALL_NAMESPACES = 'JOSDK_ALL_NAMESPACES';

/**
 * The operator-level keys the runtime reads, with the defaults the Apache Flink Kubernetes
 * Operator documents for them, so an existing operator config file means the same here.
 */
export const RuntimeOptions = {
  reconcileInterval: duration('reconcile.interval', 60_000, ['reconciler.reschedule.interval']),
  reconcileParallelism: integer('reconcile.parallelism', 50, ['reconciler.max.parallelism']),
  retryInitialInterval: duration('retry.initial.interval', 5_000),
  retryIntervalMultiplier: operatorOption.number('retry.interval.multiplier', 1.5),
  retryMaxInterval: optionalDuration('retry.max.interval'),
  retryMaxAttempts: integer('retry.max.attempts', 15),
  watchedNamespaces: text('watched.namespaces', ALL_NAMESPACES),
  labelSelector: optionalText('label.selector'),
  leaderElectionEnabled: bool('leader-election.enabled', false),
  leaderElectionLeaseName: optionalText('leader-election.lease-name'),
  leaderElectionLeaseDuration: duration('leader-election.lease-duration', 15_000),
  leaderElectionRenewDeadline: duration('leader-election.renew-deadline', 10_000),
  leaderElectionRetryPeriod: duration('leader-election.retry-period', 2_000),
  dynamicConfigEnabled: bool('dynamic.config.enabled', true),
  dynamicConfigCheckInterval: duration('dynamic.config.check.interval', 300_000),
  /** Apply a change of `watched.namespaces` at run time instead of after a restart. */
  dynamicNamespacesEnabled: bool('dynamic.namespaces.enabled', false),
  healthProbeEnabled: bool('health.probe.enabled', true),
  healthProbePort: integer('health.probe.port', 8085),
  canaryResourceTimeout: duration('health.canary.resource.timeout', 60_000),
  terminationTimeout: duration('termination.timeout', 10_000),
} as const;
