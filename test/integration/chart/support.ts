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

/** `helm template` of the chart with `--set` values, parsed into objects. */
export async function render(namespace: string, ...sets: string[]): Promise<RenderedObject[]> {
  const out = await helm(
    'template',
    'ops',
    CHART,
    '--namespace',
    namespace,
    ...sets.flatMap((s) => ['--set', s]),
  );
  return YAML.parseAllDocuments(out)
    .map((d) => d.toJS() as RenderedObject | null)
    .filter((o): o is RenderedObject => o !== null);
}
