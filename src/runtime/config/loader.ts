import fsp from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { OperatorConfig } from './operator-config.ts';

/**
 * Where the operator configuration comes from, in the order later sources win:
 * 1. the file: `configFile` if given, else `$FLINK_CONF_DIR/config.yaml`, else
 *    `$FLINK_CONF_DIR/flink-conf.yaml` (the names Flink and the upstream chart use);
 * 2. the `FLINK_PROPERTIES` environment variable: `key: value` lines, the override convention of
 *    Flink's container images.
 */
export interface ConfigSource {
  configFile?: string;
  confDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** The legacy `flink-conf.yaml` format: one `key: value` per line, `#` starts a comment. */
export function parseFlinkConfLines(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.split('#')[0]?.trim() ?? '';
    if (line === '') continue;
    const at = line.indexOf(': ');
    if (at <= 0) continue;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 2).trim();
    if (key !== '' && value !== '') values[key] = value;
  }
  return values;
}

/** The standard YAML `config.yaml` format: nested maps flatten to dotted keys. */
export function parseStandardYaml(text: string): Record<string, string> {
  const doc: unknown = YAML.parse(text);
  const values: Record<string, string> = {};
  const visit = (node: unknown, prefix: string) => {
    if (node === null || node === undefined) return;
    if (Array.isArray(node)) {
      values[prefix] = node.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
    } else if (typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) visit(v, prefix === '' ? k : `${prefix}.${k}`);
    } else if (prefix !== '') {
      values[prefix] = String(node);
    }
  };
  visit(doc, '');
  return values;
}

async function exists(file: string): Promise<boolean> {
  return fsp.access(file).then(
    () => true,
    () => false,
  );
}

/** The config file to read for this source, or undefined when there is none. */
export async function resolveConfigFile(source: ConfigSource): Promise<string | undefined> {
  if (source.configFile) {
    if (!(await exists(source.configFile)))
      throw new Error(`config file ${source.configFile} does not exist`);
    return source.configFile;
  }
  const dir = source.confDir ?? (source.env ?? process.env).FLINK_CONF_DIR;
  if (!dir) return undefined;
  for (const name of ['config.yaml', 'flink-conf.yaml']) {
    const file = path.join(dir, name);
    if (await exists(file)) return file;
  }
  return undefined;
}

/** Reads the configuration from the source, as described on ConfigSource. */
export async function loadOperatorConfig(source: ConfigSource = {}): Promise<OperatorConfig> {
  const values: Record<string, string> = {};
  const sources: string[] = [];
  const file = await resolveConfigFile(source);
  if (file) {
    const text = await fsp.readFile(file, 'utf8');
    try {
      Object.assign(
        values,
        path.basename(file) === 'flink-conf.yaml' ? parseFlinkConfLines(text) : parseStandardYaml(text),
      );
    } catch (err) {
      throw new Error(`cannot parse ${file}: ${(err as Error).message}`, { cause: err });
    }
    sources.push(file);
  }
  const properties = (source.env ?? process.env).FLINK_PROPERTIES;
  if (properties) {
    Object.assign(values, parseFlinkConfLines(properties));
    sources.push('env FLINK_PROPERTIES');
  }
  return new OperatorConfig(values, sources);
}
