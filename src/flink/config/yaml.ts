/**
 * Flink's `config.yaml` (1.19+ and 2.x): standard YAML in which nested maps are read as dotted
 * keys and dotted keys may also be written flat. Keys are nested wherever that is unambiguous; a
 * key that is also the prefix of another key (`high-availability` next to
 * `high-availability.storageDir`) cannot be both a value and a map, so such keys are written flat.
 * List options are written as YAML sequences, other values as strings.
 */
import YAML from 'yaml';
import { LIST_KEYS } from './keys.ts';
import { parseList } from './values.ts';

type Tree = { [segment: string]: Tree | string | string[] };

function conflicting(keys: readonly string[]): Set<string> {
  const all = new Set(keys);
  const out = new Set<string>();
  for (const key of keys) {
    const segments = key.split('.');
    for (let i = 1; i < segments.length; i++) {
      const prefix = segments.slice(0, i).join('.');
      if (all.has(prefix)) {
        out.add(prefix);
        out.add(key);
      }
    }
  }
  return out;
}

/** Keys that nesting would change: empty segments (`a..b`, `a.`) cannot round-trip. */
function nestable(key: string): boolean {
  return key.split('.').every((segment) => segment !== '');
}

export function toConfigYaml(config: Readonly<Record<string, string>>): string {
  const keys = Object.keys(config).sort();
  const flat = conflicting(keys);
  const tree: Tree = {};
  const flatEntries: Array<[string, string | string[]]> = [];
  for (const key of keys) {
    const raw = config[key]!;
    const value = LIST_KEYS.has(key) ? parseList(raw) : raw;
    if (flat.has(key) || !nestable(key)) {
      flatEntries.push([key, value]);
      continue;
    }
    const segments = key.split('.');
    let node = tree;
    for (const segment of segments.slice(0, -1)) {
      const child = node[segment];
      if (child === undefined || typeof child === 'string' || Array.isArray(child)) node[segment] = {};
      node = node[segment] as Tree;
    }
    node[segments[segments.length - 1]!] = value;
  }
  for (const [key, value] of flatEntries) tree[key] = value;
  return YAML.stringify(tree, { lineWidth: 0, sortMapEntries: true });
}

/** Reads config.yaml back into flat keys (lists in Flink's `;` form), as Flink itself reads it. */
export function parseConfigYaml(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (node: unknown, prefix: string): void => {
    if (node === null || node === undefined) return;
    if (Array.isArray(node)) {
      out[prefix] = node.map((item) => String(item)).join(';');
    } else if (typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) visit(child, prefix ? `${prefix}.${key}` : key);
    } else {
      out[prefix] = String(node);
    }
  };
  visit(YAML.parse(text), '');
  return out;
}
