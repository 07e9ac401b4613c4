/**
 * Which configuration file a Flink release reads, and its text. Flink up to 1.18 reads only
 * `flink-conf.yaml` (`key: value` lines, values in Flink's string form); 1.19 and 1.20 read either
 * file; 2.x reads only `config.yaml` (standard YAML). We write `config.yaml` from 1.19 on.
 */
import { flinkVersionAtLeast } from '../../api/flink-versions.ts';
import { toConfigYaml } from './yaml.ts';

export const STANDARD_CONFIG_FILE = 'config.yaml';
export const LEGACY_CONFIG_FILE = 'flink-conf.yaml';

/** Whether Flink `version` (`v1_18`, `1.18.1`, ...) reads only the legacy `flink-conf.yaml`; unknown versions are taken as current. */
export function readsLegacyConfigOnly(version: string | undefined): boolean {
  return !flinkVersionAtLeast(version, 1, 19);
}

export function configFileName(version: string | undefined): string {
  return readsLegacyConfigOnly(version) ? LEGACY_CONFIG_FILE : STANDARD_CONFIG_FILE;
}

/**
 * flink-conf.yaml as Flink 1.x reads it: one `key: value` line per option, split at the first
 * `: `. Flink cuts a line at `#`, so such values cannot be written there (nor in Flink's own file).
 */
export function toFlinkConfLines(config: Readonly<Record<string, string>>): string {
  return Object.keys(config)
    .sort()
    .map((key) => `${key}: ${config[key]}\n`)
    .join('');
}

/** The file a cluster of Flink `version` reads its configuration from: its name and text. */
export function renderConfigFile(
  version: string | undefined,
  config: Readonly<Record<string, string>>,
): { name: string; text: string } {
  return readsLegacyConfigOnly(version)
    ? { name: LEGACY_CONFIG_FILE, text: toFlinkConfLines(config) }
    : { name: STANDARD_CONFIG_FILE, text: toConfigYaml(config) };
}
