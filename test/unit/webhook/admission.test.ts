import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultingPatch, mutate, validate, type AdmissionRequest } from '../../../src/webhook/admission.ts';
import { diffToPatch } from '../../../src/webhook/json-patch.ts';
import { createWebhookCertificates, needsRenewal } from '../../../src/webhook/certs.ts';

const kind = (k: string) => ({ group: 'flink.apache.org', version: 'v1beta1', kind: k });

const deployment = (spec: Record<string, unknown>) => ({
  apiVersion: 'flink.apache.org/v1beta1',
  kind: 'FlinkDeployment',
  metadata: { name: 'basic', namespace: 'ns' },
  spec: {
    image: 'flink:1.20',
    flinkVersion: 'v1_20',
    serviceAccount: 'flink',
    jobManager: { resource: { memory: '1g', cpu: 1 } },
    taskManager: { resource: { memory: '1g', cpu: 1 } },
    ...spec,
  },
});

const noLookups = { sessionDeployment: async () => undefined, operatorConfig: {} };

test('JSON patch of defaults adds missing fields and escapes keys', () => {
  assert.deepEqual(diffToPatch({ a: { b: 1 } }, { a: { b: 1, 'x/y~z': 2 }, c: [1] }), [
    { op: 'add', path: '/a/x~1y~0z', value: 2 },
    { op: 'add', path: '/c', value: [1] },
  ]);
  assert.deepEqual(diffToPatch({ a: [1, 2] }, { a: [1, 3] }), [{ op: 'replace', path: '/a', value: [1, 3] }]);
});

test('CREATE of a FlinkDeployment is defaulted: mode, JobManager replicas, job state and upgrade mode', () => {
  const req: AdmissionRequest = {
    uid: '1',
    kind: kind('FlinkDeployment'),
    operation: 'CREATE',
    object: deployment({ job: { jarURI: 'local:///job.jar' } }),
  };
  assert.deepEqual(defaultingPatch(req), [
    { op: 'add', path: '/spec/jobManager/replicas', value: 1 },
    { op: 'add', path: '/spec/job/state', value: 'running' },
    { op: 'add', path: '/spec/job/upgradeMode', value: 'stateless' },
    { op: 'add', path: '/spec/mode', value: 'native' },
  ]);
  const response = mutate(req);
  assert.equal(response.patchType, 'JSONPatch');
  assert.equal(JSON.parse(Buffer.from(response.patch!, 'base64').toString()).length, 4);
});

test('UPDATE only writes defaults the stored object already had, so old resources see no spec change', () => {
  const old = deployment({ job: { jarURI: 'local:///job.jar', state: 'running' } });
  const req: AdmissionRequest = {
    uid: '2',
    kind: kind('FlinkDeployment'),
    operation: 'UPDATE',
    object: deployment({ job: { jarURI: 'local:///job.jar' } }),
    oldObject: old,
  };
  assert.deepEqual(defaultingPatch(req), [{ op: 'add', path: '/spec/job/state', value: 'running' }]);
});

test('a session job gets the label of its session cluster', () => {
  const ops = defaultingPatch({
    uid: '3',
    kind: kind('FlinkSessionJob'),
    operation: 'CREATE',
    object: {
      metadata: { name: 'j' },
      spec: { deploymentName: 'session', job: { jarURI: 'https://x/j.jar' } },
    },
  });
  assert.deepEqual(ops[0], { op: 'add', path: '/metadata/labels', value: { 'target.session': 'session' } });
});

test('validation rejects with the validator messages and allows valid or foreign objects', async () => {
  const bad = await validate(
    {
      uid: '4',
      kind: kind('FlinkDeployment'),
      operation: 'CREATE',
      object: deployment({ flinkConfiguration: { 'kubernetes.cluster-id': 'x' } }),
    },
    noLookups,
  );
  assert.equal(bad.allowed, false);
  assert.equal(bad.status?.message, 'Forbidden Flink config key: kubernetes.cluster-id');
  const ok = await validate(
    { uid: '5', kind: kind('FlinkDeployment'), operation: 'CREATE', object: deployment({}) },
    noLookups,
  );
  assert.deepEqual(ok, { uid: '5', allowed: true });
  const other = await validate(
    { uid: '6', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', object: {} },
    noLookups,
  );
  assert.equal(other.allowed, true);
});

test('Flink versions: deprecated ones are admitted with a warning, older ones refused naming the range', async () => {
  const review = (flinkVersion: string) =>
    validate(
      { uid: 'v', kind: kind('FlinkDeployment'), operation: 'CREATE', object: deployment({ flinkVersion }) },
      noLookups,
    );
  for (const version of ['v1_15', 'v1_16', 'v1_17', 'v1_18']) {
    const response = await review(version);
    assert.equal(response.allowed, true, version);
    assert.equal(response.warnings?.length, 1, version);
    assert.match(response.warnings![0]!, new RegExp(`^Flink version ${version} is deprecated`));
  }
  assert.deepEqual(await review('v1_19'), { uid: 'v', allowed: true });
  for (const version of ['v1_13', 'v1_14']) {
    const response = await review(version);
    assert.equal(response.allowed, false, version);
    assert.equal(
      response.status?.message,
      `Flink version ${version} is not supported by this operator version (supported: v1_15 to v2_4)`,
    );
  }
});

test('certificates are renewed when close to expiry or missing a name', async () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const names = { dnsNames: ['svc.ns.svc'], ipAddresses: ['127.0.0.1'] };
  const certs = await createWebhookCertificates({ ...names, validityMs: 10 * 86_400_000, now });
  assert.equal(needsRenewal(certs, 2 * 86_400_000, names, now), false);
  assert.equal(needsRenewal(certs, 2 * 86_400_000, names, new Date('2030-01-09T00:00:00Z')), true);
  assert.equal(needsRenewal(certs, 2 * 86_400_000, { dnsNames: ['other.ns.svc'] }, now), true);
});

test('a canary resource (the Apache canary.yaml: only a label, no spec) is admitted unvalidated', async () => {
  const canary = {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'canary', namespace: 'ns', labels: { 'flink.apache.org/canary': 'true' } },
  };
  const request = (object: unknown): AdmissionRequest => ({
    uid: 'c',
    kind: kind('FlinkDeployment'),
    operation: 'CREATE',
    object,
  });
  assert.equal((await validate(request(canary), noLookups)).allowed, true);
  const notCanary = { ...canary, metadata: { name: 'canary', namespace: 'ns' } };
  assert.equal(
    (await validate(request(notCanary), noLookups)).allowed,
    false,
    'without the label it is judged',
  );
});
