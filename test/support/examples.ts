/**
 * The manifests under examples/: what users copy. Unit tests plan them, integration tests send
 * them to the API server, e2e tests run the local-runnable ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export const EXAMPLES_DIR = path.resolve(import.meta.dirname, '..', '..', 'examples');

/** Where the examples keep local state; each line naming it carries a durable-storage comment. */
export const EXAMPLE_STATE_PREFIX = 'file:///tmp/flink-examples';

export interface ExampleDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Every example manifest, as a path relative to examples/ (sorted). */
export function exampleFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.yaml')) out.push(path.relative(EXAMPLES_DIR, full));
    }
  };
  walk(EXAMPLES_DIR);
  return out.sort();
}

export function exampleText(file: string): string {
  return fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8');
}

/** The documents of one example file, in order. */
export function exampleDocuments(file: string): ExampleDocument[] {
  return YAML.parseAllDocuments(exampleText(file))
    .map((d) => d.toJS() as ExampleDocument | null)
    .filter((d): d is ExampleDocument => d !== null);
}

/** The one document of `kind` named `name` in an example file. */
export function exampleResource<T = ExampleDocument>(file: string, kind: string, name: string): T {
  const doc = exampleDocuments(file).find((d) => d.kind === kind && d.metadata.name === name);
  if (!doc) throw new Error(`examples/${file} has no ${kind} ${name}`);
  return doc as T;
}

/** A copy of `doc` whose example state paths point into `dir` (a test's own folder) instead. */
export function withStateIn<T>(doc: T, dir: string): T {
  return JSON.parse(JSON.stringify(doc).replaceAll(EXAMPLE_STATE_PREFIX, `file://${dir}`)) as T;
}
