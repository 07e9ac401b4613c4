/**
 * Every example manifest as a user applies it: `kubectl apply --dry-run=server` against the real
 * API server with our CRDs, through our admission webhook (validation and defaulting), in one
 * namespace. Nothing of an example is pruned; the session cluster the session jobs and snapshots
 * name is created for real first, as the examples' README says to (no operator runs here, so
 * it stays a stored object).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { installCrds } from '../../../src/api/index.ts';
import { KubeClient } from '../../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import {
  EXAMPLES_DIR,
  exampleDocuments,
  exampleFiles,
  exampleResource,
  type ExampleDocument,
} from '../../support/examples.ts';
import { kubectl } from '../../support/kubectl.ts';
import { startNamespaceWebhook, type NamespaceWebhook } from '../../support/webhook.ts';

const kc = testKubeConfig();
const client = new KubeClient(kc);
const SESSION_FILE = path.join('session', 'session-cluster.yaml');
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let webhook: NamespaceWebhook;
let workDir: string;

before(async () => {
  await installCrds(kc);
  ns = await createTestNamespace(kc, 'examples');
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'examples-test-'));
  webhook = await startNamespaceWebhook(client, ns.name);
});

after(async () => {
  await webhook?.stop();
  await ns?.remove();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

/** True when every value of `expected` is in `actual` (defaults may add more). */
function contains(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => contains(actual[i], e))
    );
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([k, v]) => contains((actual as Record<string, unknown>)[k], v));
  }
  return actual === expected;
}

function dryRun(file: string) {
  return kubectl('apply', '--dry-run=server', '-n', ns.name, '-o', 'json', '-f', file);
}

/** The objects a dry run answered with (one, or a List of several). */
function answered(out: string): ExampleDocument[] {
  const parsed = JSON.parse(out) as ExampleDocument & { items?: ExampleDocument[] };
  return parsed.kind === 'List' ? (parsed.items ?? []) : [parsed];
}

test('the webhook is in the path: an example made invalid is refused with the validator message', async () => {
  const broken = exampleResource(path.join('application', 'native.yaml'), 'FlinkDeployment', 'app-native');
  (broken.spec!.flinkConfiguration as Record<string, string>)['kubernetes.cluster-id'] = 'other';
  const file = path.join(workDir, 'broken.yaml');
  fs.writeFileSync(file, YAML.stringify(broken));
  // The API server may take a moment to see the new webhook configurations.
  const result = await eventually(async () => ((await dryRun(file)).ok ? undefined : dryRun(file)), {
    what: 'the webhook to refuse the broken example',
    timeoutMs: 30_000,
    intervalMs: 500,
  });
  assert.equal(result.ok, false);
  assert.match(result.out, /admission webhook "validationwebhook\.flink\.apache\.org" denied the request/);
  assert.match(result.out, /Forbidden Flink config key: kubernetes\.cluster-id/);
});

test('the webhook reads the cluster a session job names: an application cluster is refused', async () => {
  const app = path.join(EXAMPLES_DIR, 'application', 'native.yaml');
  const created = await kubectl('apply', '-n', ns.name, '-f', app);
  assert.ok(created.ok, created.out);
  const job = exampleResource(
    path.join('session', 'session-jobs.yaml'),
    'FlinkSessionJob',
    'session-job-windowing',
  );
  job.spec!.deploymentName = 'app-native';
  const file = path.join(workDir, 'job-on-application.yaml');
  fs.writeFileSync(file, YAML.stringify(job));
  const result = await dryRun(file);
  assert.equal(result.ok, false, result.out);
  assert.match(result.out, /Can not submit session job to application cluster/);
  assert.ok((await kubectl('delete', '-n', ns.name, '-f', app)).ok);
});

test('every example passes a server-side dry run through the CRDs and the webhook, nothing pruned', async () => {
  // The session jobs and snapshots name the session cluster (the webhook looks it up).
  const created = await kubectl('apply', '-n', ns.name, '-f', path.join(EXAMPLES_DIR, SESSION_FILE));
  assert.ok(created.ok, created.out);
  const files = exampleFiles();
  assert.ok(files.length >= 17, `${files.length} example files`);
  let checked = 0;
  for (const file of files) {
    const result = await dryRun(path.join(EXAMPLES_DIR, file));
    assert.ok(result.ok, `${file}: ${result.out}`);
    const objects = answered(result.out);
    const docs = exampleDocuments(file);
    assert.equal(objects.length, docs.length, file);
    for (const doc of docs) {
      const got = objects.find((o) => o.kind === doc.kind && o.metadata.name === doc.metadata.name);
      assert.ok(got, `${file}: ${doc.kind} ${doc.metadata.name} answered`);
      assert.equal(got.metadata.namespace, ns.name);
      const { apiVersion: _a, kind: _k, metadata: _m, ...body } = doc;
      assert.ok(
        contains(got, body),
        `${file}: ${doc.kind} ${doc.metadata.name} kept every field\n${JSON.stringify(got, null, 1)}`,
      );
      if (doc.kind.startsWith('Flink')) checked++;
    }
  }
  assert.ok(checked >= 19, `${checked} Flink resources checked`);
});

test('the webhook filled in the defaults a stored example gets', async () => {
  const result = await dryRun(path.join(EXAMPLES_DIR, 'application', 'native.yaml'));
  const [stored] = answered(result.out);
  const spec = stored!.spec as {
    mode?: string;
    job?: { state?: string };
    jobManager?: { replicas?: number };
  };
  assert.equal(spec.mode, 'native');
  assert.equal(spec.job?.state, 'running');
  assert.equal(spec.jobManager?.replicas, 1);
});
