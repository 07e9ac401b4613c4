import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { binaryPath } from '../../../src/devcluster/versions.ts';

const run = promisify(execFile);

export const CHART = fileURLToPath(new URL('../../../charts/flink-operator', import.meta.url));
export const REPO = path.resolve(CHART, '../..');

/** Runs helm (built with the control plane) and returns its standard output. */
export async function helm(...args: string[]): Promise<string> {
  const { stdout } = await run(binaryPath('helm'), args, {
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, HELM_CACHE_HOME: '/tmp/helm-cache', HELM_CONFIG_HOME: '/tmp/helm-config' },
  });
  return stdout;
}

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** The objects of a multi-document YAML stream. */
export function parseObjects(text: string): RenderedObject[] {
  return YAML.parseAllDocuments(text)
    .map((d) => d.toJS() as RenderedObject | null)
    .filter((o): o is RenderedObject => o !== null);
}

/** `helm template` arguments of the chart for values files and `--set` values. */
export function templateArgs(namespace: string, files: string[], sets: string[]): string[] {
  return [
    'template',
    'ops',
    CHART,
    '--namespace',
    namespace,
    ...files.flatMap((f) => ['--values', f]),
    ...sets.flatMap((s) => ['--set', s]),
  ];
}

/** `helm template` of the chart with `--set` values, parsed into objects. */
export async function render(namespace: string, ...sets: string[]): Promise<RenderedObject[]> {
  return parseObjects(await helm(...templateArgs(namespace, [], sets)));
}

/** `helm template` with values files, then `--set` values, parsed into objects. */
export async function renderValues(
  namespace: string,
  files: string[],
  ...sets: string[]
): Promise<RenderedObject[]> {
  return parseObjects(await helm(...templateArgs(namespace, files, sets)));
}

/** The error output of a helm command that must fail (the test fails if it succeeds). */
export async function helmError(...args: string[]): Promise<string> {
  try {
    await helm(...args);
  } catch (err) {
    return (err as { stderr?: string }).stderr ?? String(err);
  }
  throw new Error(`helm ${args.join(' ')} succeeded; expected it to fail`);
}
