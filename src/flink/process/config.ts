/**
 * Reading and writing a Flink configuration folder as flat `key -> value` maps. Flink 1.19+ and
 * 2.x read `config.yaml` (standard YAML, nested or with dotted keys); 1.x still prefers a legacy
 * `flink-conf.yaml` when one is present, and so do we; up to 1.18 it is the only file Flink reads.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import {
  LEGACY_CONFIG_FILE,
  STANDARD_CONFIG_FILE as CONFIG_FILE,
  readsLegacyConfigOnly,
  toFlinkConfLines,
} from '../config/config-file.ts';

export { CONFIG_FILE, LEGACY_CONFIG_FILE };

export type FlinkConfig = Record<string, string>;

/** The configuration file Flink would read in `confDir`. */
export function configFileIn(confDir: string): string {
  const legacy = path.join(confDir, LEGACY_CONFIG_FILE);
  return fs.existsSync(legacy) ? legacy : path.join(confDir, CONFIG_FILE);
}

export async function readFlinkConfig(confDir: string): Promise<FlinkConfig> {
  const file = configFileIn(confDir);
  const text = await fsp.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return parseFlinkConfig(text, path.basename(file) === LEGACY_CONFIG_FILE);
}

/**
 * Parses config.yaml (nested maps are joined with dots, lists become Flink's `;`-separated form)
 * or, with `legacy`, flink-conf.yaml's `key: value` lines whose values are taken verbatim.
 */
export function parseFlinkConfig(text: string, legacy = false): FlinkConfig {
  const config: FlinkConfig = {};
  if (legacy) {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      const colon = line.indexOf(': ');
      if (colon > 0) config[line.slice(0, colon).trim()] = line.slice(colon + 2).trim();
    }
    return config;
  }
  const doc: unknown = YAML.parse(text);
  flatten(doc, '', config);
  return config;
}

function flatten(value: unknown, prefix: string, into: FlinkConfig): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    into[prefix] = value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(';');
  } else if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
  } else if (prefix) {
    into[prefix] = String(value);
  }
}

/**
 * Writes `config` as the file Flink `version` reads (`1.18`, `v1_18`, ...): flink-conf.yaml up to
 * 1.18, else config.yaml with flat keys.
 */
export async function writeFlinkConfig(
  confDir: string,
  config: FlinkConfig,
  version?: string,
): Promise<void> {
  await fsp.mkdir(confDir, { recursive: true });
  if (readsLegacyConfigOnly(version)) {
    await fsp.writeFile(path.join(confDir, LEGACY_CONFIG_FILE), toFlinkConfLines(config));
    return;
  }
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
  await fsp.writeFile(path.join(confDir, CONFIG_FILE), YAML.stringify(sorted, { lineWidth: 0 }));
}
