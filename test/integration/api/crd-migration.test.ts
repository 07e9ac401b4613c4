/**
 * Moving from the Apache operator's CRDs to ours in one step, on a control plane of its own (the
 * shared one of the test run holds our CRDs, which other tests rely on): resources created under
 * Apache's CRDs keep their spec and status, fields only we define stop being dropped, and our
 * operator reconciles what it finds.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { CRD_SPEC_HASH_ANNOTATION } from '../../../src/api/crd.ts';
import { startControlPlane, stopControlPlane } from '../../../src/devcluster/controlplane.ts';
import { createOperator } from '../../../src/operator.ts';
import { OperatorConfig, createLogger, type Manager } from '../../../src/runtime/index.ts';
import { eventually } from '../../support/cluster.ts';
import { compatPath, compatSkip } from '../../support/compat.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '..', '..', '..', 'bin', 'flink-operator.js');
const group = 'flink.apache.org';
const version = 'v1beta1';
const namespace = 'migrating';
type Json = Record<string, unknown>;

/** Runs the CLI as a user does; resolves with its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function example(file: string, kind: string): Json {
  const docs = parseAllDocuments(fs.readFileSync(compatPath('examples', file), 'utf8')).map(
    (d) => d.toJS() as Json,
  );
  const found = docs.find((d) => d.kind === kind);
  assert.ok(found, `${kind} in ${file}`);
  return found;
}

/**
 * The fixture declares `flinkConfiguration` with x-kubernetes-preserve-unknown-fields and no type,
 * which this API server refuses ("must not be empty for specified object fields"); a cluster that
 * holds it has it as an object, so the test installs it that way.
 */
function withObjectTypes<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withObjectTypes) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = withObjectTypes(value);
  if (out['x-kubernetes-preserve-unknown-fields'] === true && out.type === undefined) out.type = 'object';
  return out as T;
}

describe('migration from the Apache operator CRDs', { skip: compatSkip() }, () => {
  let dir: string;
  let kubeconfig: string;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let extensions: k8s.ApiextensionsV1Api;
  let operator: Manager | undefined;

  const plural = (kind: unknown) => `${String(kind).toLowerCase()}s`;
  const get = (kind: string, name: string) =>
    custom.getNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plural(kind),
      name,
    }) as Promise<Json>;
  const create = (body: Json) =>
    custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plural(body.kind),
      body,
    }) as Promise<Json>;
  const specOf = (o: Json) => JSON.stringify(o.spec);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-operator-crd-migration-'));
    const state = await startControlPlane({ dir, nodeAgent: false });
    kubeconfig = state.kubeconfig;
    kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    // What a cluster running the Apache operator has: its CRDs, installed from its chart.
    // (Its FlinkBlueGreenDeployment CRD is refused by this API server version, and we do not serve that kind.)
    for (const file of fs.readdirSync(compatPath('crds')).filter((f) => !f.includes('bluegreen'))) {
      const crd = parse(fs.readFileSync(compatPath('crds', file), 'utf8')) as k8s.V1CustomResourceDefinition;
      await extensions.createCustomResourceDefinition({ body: withObjectTypes(crd) });
    }
    await eventually(
      async () => {
        const list = await extensions.listCustomResourceDefinition();
        const established = list.items.filter((c) =>
          c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
        );
        if (established.length < 3) return undefined;
        // Established comes a moment before the storage serves.
        await custom.listNamespacedCustomObject({ group, version, namespace, plural: 'flinkdeployments' });
        await custom.listNamespacedCustomObject({ group, version, namespace, plural: 'flinkstatesnapshots' });
        return true;
      },
      { what: "the Apache operator's CRDs served" },
    );
  });

  after(async () => {
    await operator?.stop();
    if (dir) {
      await stopControlPlane(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('one command replaces the CRDs; resources keep spec and status; our operator takes them over', async () => {
    // Resources the Apache operator manages, one with a status as it writes them.
    const deployment = example('basic.yaml', 'FlinkDeployment');
    const session = example('basic-session-deployment-and-job.yaml', 'FlinkDeployment');
    const sessionJob = example('basic-session-deployment-and-job.yaml', 'FlinkSessionJob');
    const snapshot = example('snapshot_savepoint-already-exists.yaml', 'FlinkStateSnapshot');
    for (const body of [deployment, session, sessionJob, snapshot]) await create(body);
    const sessionName = String((session.metadata as Json).name);
    const reconciled = JSON.stringify({
      ...(session.spec as Json),
      resource_metadata: { firstDeployment: false },
    });
    await custom.replaceNamespacedCustomObjectStatus({
      group,
      version,
      namespace,
      plural: 'flinkdeployments',
      name: sessionName,
      body: {
        ...(await get('FlinkDeployment', sessionName)),
        status: {
          lifecycleState: 'STABLE',
          jobManagerDeploymentStatus: 'READY',
          reconciliationStatus: {
            state: 'DEPLOYED',
            lastReconciledSpec: reconciled,
            lastStableSpec: reconciled,
          },
        },
      },
    });
    const names: Array<[string, string]> = [deployment, session, sessionJob, snapshot].map((b) => [
      String(b.kind),
      String((b.metadata as Json).name),
    ]);
    const before = new Map<string, Json>();
    for (const [kind, name] of names) before.set(`${kind}/${name}`, await get(kind, name));

    // Under Apache's CRDs the API server drops what only we define: the bug users hit.
    const template = {
      apiVersion: `${group}/${version}`,
      kind: 'FlinkDeployment',
      metadata: { name: 'nightly' },
      spec: {
        ...(deployment.spec as Json),
        job: { ...((deployment.spec as Json).job as Json), upgradeMode: 'stateless' },
        schedule: { cron: '0 3 * * *' },
      },
    };
    const pruned = await create({ ...template, metadata: { name: 'nightly-under-apache' } });
    assert.equal((pruned.spec as Json).schedule, undefined, 'Apache CRD drops spec.schedule');

    // The operator, started on Apache's CRDs, says so and what to run (watching another namespace:
    // the resources here must stay as the Apache operator left them until the CRDs are replaced).
    const configFile = path.join(dir, 'operator-config.yaml');
    fs.writeFileSync(
      configFile,
      'kubernetes.operator.watched.namespaces: default\nkubernetes.operator.health.probe.port: 0\n',
    );
    const started = spawn(
      process.execPath,
      [CLI, 'run', '--kubeconfig', kubeconfig, '--config', configFile, '--bind-address', '127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let startLog = '';
    started.stdout.on('data', (chunk: Buffer) => (startLog += chunk.toString()));
    try {
      const line = await eventually(
        async () =>
          startLog.split('\n').find((l) => l.includes('flinkdeployments.flink.apache.org: not this release')),
        { what: 'the start-up warning about the installed CRDs', timeoutMs: 60_000 },
      );
      assert.match(line, /"level":"warn".*spec\.schedule.*flink-operator crds apply/);
    } finally {
      started.kill('SIGTERM');
      await new Promise((resolve) =>
        started.exitCode !== null ? resolve(null) : started.once('exit', resolve),
      );
    }

    const check = await cli('crds', 'check', '--kubeconfig', kubeconfig);
    assert.equal(check.code, 1, check.out);
    assert.match(
      check.out,
      /flinkdeployments\.flink\.apache\.org: not this release's definition.*spec\.schedule/,
    );
    assert.match(check.out, /flink-operator crds apply/);

    const apply = await cli('crds', 'apply', '--kubeconfig', kubeconfig);
    assert.equal(apply.code, 0, apply.out);
    for (const crd of ['flinkdeployments', 'flinksessionjobs', 'flinkstatesnapshots'])
      assert.match(apply.out, new RegExp(`${crd}\\.flink\\.apache\\.org: replaced`));
    for (const crd of ['flinkdeployments', 'flinksessionjobs', 'flinkstatesnapshots']) {
      const installed = await extensions.readCustomResourceDefinition({ name: `${crd}.flink.apache.org` });
      assert.ok(installed.metadata?.annotations?.[CRD_SPEC_HASH_ANNOTATION], crd);
    }
    assert.equal((await cli('crds', 'check', '--kubeconfig', kubeconfig)).code, 0);
    assert.match(
      (await cli('crds', 'apply', '--kubeconfig', kubeconfig)).out,
      /flinkdeployments\.flink\.apache\.org: unchanged/,
    );

    // Nothing was changed or pruned: same spec, status and resourceVersion; still the same after a write.
    for (const [kind, name] of names) {
      const was = before.get(`${kind}/${name}`)!;
      const now = await eventually(async () => get(kind, name), { what: `${kind} ${name} served` });
      assert.equal((now.metadata as Json).resourceVersion, (was.metadata as Json).resourceVersion, name);
      assert.equal(specOf(now), specOf(was), name);
      assert.deepEqual(now.status, was.status, name);
      await custom.patchNamespacedCustomObject(
        {
          group,
          version,
          namespace,
          plural: plural(kind),
          name,
          body: { metadata: { labels: { migrated: 'yes' } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      assert.equal(specOf(await get(kind, name)), specOf(was), `${name} after a write`);
    }
    const scheduled = await create(template);
    assert.deepEqual((scheduled.spec as Json).schedule, { cron: '0 3 * * *' });

    // Our operator takes the resources over where they stand.
    operator = createOperator({
      kubeconfig,
      config: new OperatorConfig({
        'kubernetes.operator.watched.namespaces': namespace,
        'kubernetes.operator.rest.address-resolution': 'pod-ip',
        'kubernetes.operator.reconcile.interval': '5 s',
      }),
      log: createLogger({ level: 'warn' }),
      healthPort: 0,
      metricsPort: 0,
    });
    await operator.start();
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const basicName = String((deployment.metadata as Json).name);
    await eventually(
      () => apps.readNamespacedDeployment({ namespace, name: basicName }).catch(() => undefined),
      {
        what: `the JobManager Deployment of ${basicName}`,
        timeoutMs: 60_000,
      },
    );
    const template2 = await eventually(
      async () => {
        const t = await get('FlinkDeployment', 'nightly');
        const schedule = (t.status as { schedule?: { nextScheduleTime?: string } } | undefined)?.schedule;
        return schedule?.nextScheduleTime ? schedule : undefined;
      },
      { what: 'the scheduled template observed, its next run planned', timeoutMs: 60_000 },
    );
    assert.match(template2.nextScheduleTime!, /T03:00:00/);
    // The session cluster recorded as deployed by the Apache operator keeps its recorded spec as the
    // baseline: its JobManager (absent here) is recovered, not submitted as a first deployment.
    const recovered = await eventually(
      async () => {
        const d = await apps
          .readNamespacedDeployment({ namespace, name: sessionName })
          .catch(() => undefined);
        return d?.metadata?.name ? d : undefined;
      },
      { what: `the JobManager Deployment of ${sessionName} recovered`, timeoutMs: 60_000 },
    );
    assert.equal(recovered.spec?.template.spec?.containers[0]?.image, (session.spec as Json).image);
    const adopted = await get('FlinkDeployment', sessionName);
    const status = adopted.status as { reconciliationStatus?: { lastReconciledSpec?: string } };
    assert.equal(
      JSON.parse(status.reconciliationStatus?.lastReconciledSpec ?? '{}').spec?.image,
      'flink:2.2',
    );
  });
});
