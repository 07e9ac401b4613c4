/**
 * The FlinkDeployment controller against the real API server, for what needs no running Flink:
 * bad specs, JobManagers that cannot start, deletion with the finalizer, session clusters still in use.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { installCrds, type FlinkDeployment } from '../../../src/api/index.ts';
import { createOperator } from '../../../src/operator.ts';
import { OperatorConfig, createLogger, type Manager } from '../../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import { errorMessage } from '../../../src/controllers/common/status-error.ts';

const kc = testKubeConfig();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let operator: Manager;

const group = 'flink.apache.org';
const version = 'v1beta1';

before(async () => {
  await installCrds(kc);
  ns = await createTestNamespace(kc, 'fdep');
  operator = createOperator({
    kubeconfig: process.env.FLINK_OPERATOR_TEST_KUBECONFIG!,
    config: new OperatorConfig({
      'kubernetes.operator.watched.namespaces': ns.name,
      'kubernetes.operator.rest.address-resolution': 'pod-ip',
      'kubernetes.operator.reconcile.interval': '5 s',
      'kubernetes.operator.observer.progress-check.interval': '1 s',
      'kubernetes.operator.health.canary.resource.timeout': '2 s',
    }),
    log: createLogger({ level: 'warn' }),
    healthPort: 0,
    metricsPort: 0,
  });
  await operator.start();
});

after(async () => {
  await operator.stop();
  await ns.remove();
});

function deployment(name: string, spec: Record<string, unknown>) {
  return { apiVersion: `${group}/${version}`, kind: 'FlinkDeployment', metadata: { name }, spec };
}

async function create(body: object, plural = 'flinkdeployments') {
  await custom.createNamespacedCustomObject({ group, version, namespace: ns.name, plural, body });
}

async function read(name: string): Promise<FlinkDeployment> {
  return (await custom.getNamespacedCustomObject({
    group,
    version,
    namespace: ns.name,
    plural: 'flinkdeployments',
    name,
  })) as FlinkDeployment;
}

async function remove(name: string, plural = 'flinkdeployments') {
  await custom.deleteNamespacedCustomObject({ group, version, namespace: ns.name, plural, name });
}

/** Waits until the resource is gone from the API server (its finalizer removed). */
async function waitGone(name: string, plural = 'flinkdeployments', timeoutMs = 30_000) {
  await eventually(
    async () => {
      const list = (await custom.listNamespacedCustomObject({
        group,
        version,
        namespace: ns.name,
        plural,
        fieldSelector: `metadata.name=${name}`,
      })) as { items: unknown[] };
      return list.items.length === 0 ? true : undefined;
    },
    { what: `${plural} ${name} to be deleted`, timeoutMs },
  );
}

async function events(name: string): Promise<k8s.CoreV1Event[]> {
  const list = await core.listNamespacedEvent({ namespace: ns.name });
  return list.items.filter((e) => e.involvedObject.name === name);
}

const app = {
  image: 'flink:2.2',
  serviceAccount: 'default',
  flinkVersion: 'v2_2',
  flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '1' },
  jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
  taskManager: { resource: { memory: '1024m', cpu: 0.5 } },
  job: {
    jarURI: 'local:///opt/flink/examples/streaming/WordCount.jar',
    parallelism: 1,
    upgradeMode: 'stateless',
  },
};

test('an unsupported Flink version ends as a status error and an UnsupportedFlinkVersion Warning, and nothing is deployed', async () => {
  await create(deployment('bad-version', { ...app, flinkVersion: 'v1_13' }));
  const status = await eventually(
    async () => {
      const d = await read('bad-version');
      return d.status?.error ? d.status : undefined;
    },
    { what: 'a validation error in status' },
  );
  const error = JSON.parse(status.error!) as { type: string; message: string };
  assert.equal(error.type, 'org.apache.flink.kubernetes.operator.exception.ValidationException');
  assert.match(error.message, /v1_13/);
  assert.equal(status.lifecycleState, 'FAILED');
  const warnings = await eventually(
    async () => {
      const list = (await events('bad-version')).filter((e) => e.reason === 'UnsupportedFlinkVersion');
      return list.length > 0 ? list : undefined;
    },
    { what: 'an UnsupportedFlinkVersion event' },
  );
  assert.equal(warnings[0]?.type, 'Warning');
  const deployments = await apps.listNamespacedDeployment({ namespace: ns.name });
  assert.equal(
    deployments.items.some((d) => d.metadata?.name === 'bad-version'),
    false,
  );
});

test('bad input the API server admits ends with a readable status and a Warning before any object is written', async () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'bad-option',
      { ...app, flinkConfiguration: { 'kubernetes.operator.reconcile.interval': 'soon' } },
      /kubernetes\.operator\.reconcile\.interval: "soon" is not a duration/,
    ],
    [
      'bad-memory',
      { ...app, jobManager: { resource: { memory: '-1g', cpu: 1 } } },
      /memory must be positive/,
    ],
    ['bad-host', { ...app, ingress: { template: '{{{{' } }, /host \{\{\{\{ is not a valid DNS name/],
    ['bad-width', { ...app, job: { ...app.job, parallelism: 1e12 } }, /parallelism must not exceed 32768/],
    [
      'bad-size',
      { ...app, podTemplate: { metadata: { annotations: { big: 'x'.repeat(600_000) } } } },
      /at most 409600 can be deployed/,
    ],
  ];
  for (const [name, spec] of cases) await create(deployment(name, spec));
  for (const [name, , message] of cases) {
    const status = await eventually(
      async () => {
        const d = await read(name);
        return d.status?.error ? d.status : undefined;
      },
      { what: `a status error for ${name}` },
    );
    assert.match(errorMessage(status.error) ?? '', message, name);
    assert.equal(status.lifecycleState, 'FAILED', name);
    await eventually(
      async () =>
        (await events(name)).some((e) => e.reason === 'ValidationError' && e.type === 'Warning')
          ? true
          : undefined,
      { what: `a ValidationError Warning for ${name}` },
    );
  }
  const written = [
    ...(await apps.listNamespacedDeployment({ namespace: ns.name })).items,
    ...(await core.listNamespacedService({ namespace: ns.name })).items,
    ...(await core.listNamespacedConfigMap({ namespace: ns.name })).items,
  ].map((o) => o.metadata?.name ?? '');
  for (const [name] of cases)
    assert.ok(!written.some((n) => n.includes(name)), `${name}: nothing written (${written})`);
});

test('a JobManager that cannot start is reported as ERROR with the reason as a Warning; deleting cleans up', async () => {
  // The local node agent cannot run this image, as a kubelet could not pull it.
  await create(deployment('no-image', { ...app, image: 'registry.invalid/flink:none' }));
  const status = await eventually(
    async () => {
      const d = await read('no-image');
      return d.status?.jobManagerDeploymentStatus === 'ERROR' ? d.status : undefined;
    },
    { what: 'the JobManager to be reported as ERROR', timeoutMs: 45_000 },
  );
  assert.match(status.error ?? '', /registry\.invalid\/flink:none/);
  assert.equal(status.reconciliationStatus?.state, 'DEPLOYED');
  const jm = await apps.readNamespacedDeployment({ name: 'no-image', namespace: ns.name });
  assert.equal(jm.metadata?.labels?.component, 'jobmanager');
  assert.equal(jm.metadata?.ownerReferences?.[0]?.kind, 'FlinkDeployment');
  const reasons = (await events('no-image')).map((e) => e.reason);
  assert.ok(reasons.includes('Submit'), `events: ${reasons.join(', ')}`);
  assert.ok(reasons.includes('ErrImagePull'), `events: ${reasons.join(', ')}`);

  const withFinalizer = await read('no-image');
  assert.deepEqual(withFinalizer.metadata.finalizers, ['flinkdeployments.flink.apache.org/finalizer']);
  await remove('no-image');
  await eventually(
    async () => {
      const left = await apps.listNamespacedDeployment({ namespace: ns.name });
      const crs = await custom.listNamespacedCustomObject({
        group,
        version,
        namespace: ns.name,
        plural: 'flinkdeployments',
      });
      const names = (crs as { items: FlinkDeployment[] }).items.map((d) => d.metadata.name);
      return !left.items.some((d) => d.metadata?.name === 'no-image') && !names.includes('no-image')
        ? true
        : undefined;
    },
    { what: 'the deployment and its JobManager to be gone', timeoutMs: 45_000 },
  );
  const cleanup = (await events('no-image')).filter((e) => e.reason === 'Cleanup');
  assert.equal(cleanup.length, 1);
});

test('a session cluster with session jobs is not deleted, with a CleanupFailed Warning naming them', async () => {
  const session = { ...app, job: undefined, image: 'registry.invalid/flink:none' };
  await create(deployment('session', session));
  await eventually(async () => ((await read('session')).status?.reconciliationStatus ? true : undefined), {
    what: 'the session cluster to be deployed',
  });
  await create(
    {
      apiVersion: `${group}/${version}`,
      kind: 'FlinkSessionJob',
      metadata: { name: 'sj-1' },
      spec: { deploymentName: 'session', job: { jarURI: 'https://example.invalid/job.jar', parallelism: 1 } },
    },
    'flinksessionjobs',
  );
  await remove('session');
  const status = await eventually(
    async () => {
      const d = await read('session');
      return d.status?.error?.includes('should be deleted first') ? d.status : undefined;
    },
    { what: 'deletion to be refused' },
  );
  assert.equal(errorMessage(status.error), 'The session jobs [sj-1] should be deleted first');
  assert.equal(status.lifecycleState, 'DELETING');
  const failed = (await events('session')).filter((e) => e.reason === 'CleanupFailed');
  assert.equal(failed[0]?.type, 'Warning');
  // Once the session job is gone the cluster goes too.
  await remove('sj-1', 'flinksessionjobs');
  await waitGone('session', 'flinkdeployments', 60_000);
});

test('a FlinkDeployment without spec gets a validation error, and deleting it finishes', async () => {
  await custom.createNamespacedCustomObject({
    group,
    version,
    namespace: ns.name,
    plural: 'flinkdeployments',
    body: { apiVersion: `${group}/${version}`, kind: 'FlinkDeployment', metadata: { name: 'no-spec' } },
  });
  const status = await eventually(
    async () => {
      const d = await read('no-spec');
      return d.status?.error ? d.status : undefined;
    },
    { what: 'a validation error in status' },
  );
  assert.equal(status.lifecycleState, 'FAILED');
  assert.ok((await read('no-spec')).metadata?.finalizers?.length, 'the operator holds its finalizer');
  await remove('no-spec');
  await waitGone('no-spec');
});

test('a FlinkSessionJob without spec gets a validation error, and deleting it finishes', async () => {
  const plural = 'flinksessionjobs';
  await create(
    { apiVersion: `${group}/${version}`, kind: 'FlinkSessionJob', metadata: { name: 'no-spec-job' } },
    plural,
  );
  const read = async () =>
    (await custom.getNamespacedCustomObject({
      group,
      version,
      namespace: ns.name,
      plural,
      name: 'no-spec-job',
    })) as {
      status?: { error?: string };
    };
  await eventually(async () => ((await read()).status?.error ? true : undefined), {
    what: 'a validation error in the session job status',
  });
  await remove('no-spec-job', plural);
  await waitGone('no-spec-job', plural);
});

test("a canary (Apache's canary.yaml) is bumped and reconciled as the health probe, never deployed or judged", async () => {
  await create({
    apiVersion: `${group}/${version}`,
    kind: 'FlinkDeployment',
    metadata: { name: 'canary', labels: { 'flink.apache.org/canary': 'true' } },
  });
  // Created at generation 1; each check bumps spec.restartNonce, so generation 3 means a full cycle.
  const bumped = await eventually(
    async () => {
      const d = await read('canary');
      return (d.metadata?.generation ?? 0) >= 3 ? d : undefined;
    },
    { what: 'the canary to be bumped twice', timeoutMs: 30_000 },
  );
  assert.ok((bumped.spec?.restartNonce ?? 0) >= 2, `restartNonce ${bumped.spec?.restartNonce}`);
  assert.equal(bumped.status?.error, undefined, 'a canary is not validated as a job');
  assert.notEqual(bumped.status?.lifecycleState, 'FAILED');
  assert.deepEqual(
    (await events('canary')).map((e) => e.reason),
    [],
    'a canary records no Events',
  );
  const deployments = await apps.listNamespacedDeployment({
    namespace: ns.name,
    labelSelector: 'app=canary',
  });
  assert.equal(deployments.items.length, 0, 'a canary deploys no cluster');
  const health = await fetch(`http://127.0.0.1:${operator.healthPort}/healthz`);
  assert.equal(health.status, 200, await health.text());

  await remove('canary');
  await waitGone('canary');
});

test('a missing local:// jar is reported with the JobManager log line that names it, not only a back-off', async () => {
  const missing = 'local:///opt/flink/examples/streaming/NoSuchJob.jar';
  await create(deployment('no-jar', { ...app, job: { ...app.job, jarURI: missing } }));
  const status = await eventually(
    async () => {
      const d = await read('no-jar');
      return d.status?.error?.includes('NoSuchJob.jar') ? d.status : undefined;
    },
    { what: 'the missing jar named in the status error', timeoutMs: 150_000 },
  );
  assert.equal(status.jobManagerDeploymentStatus, 'ERROR');
  const message = errorMessage(status.error) ?? '';
  assert.match(message, /^\[flink-main-container\] CrashLoop - /);
  assert.doesNotMatch(message, /\n/, 'one line, the cause');
  const warnings = (await events('no-jar')).filter(
    (e) => e.type === 'Warning' && e.message?.includes('NoSuchJob.jar'),
  );
  assert.ok(warnings.length > 0, 'a Warning Event names the jar');
  await remove('no-jar');
  await waitGone('no-jar', 'flinkdeployments', 60_000);
});
