/**
 * `flink-operator plan` on the project's examples (first deploys and updates) and, where the
 * compatibility fixtures are present, on every upstream example manifest.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { planManifest } from '../../../src/cli/plan.ts';
import { OperatorConfig } from '../../../src/runtime/index.ts';
import { compatPath, compatSkip } from '../../support/compat.ts';

const UPSTREAM = compatPath('examples');
const skip = compatSkip();
const upstream = (name: string) => fs.readFileSync(path.join(UPSTREAM, name), 'utf8');
const OURS = path.resolve(import.meta.dirname, '..', '..', '..', 'examples');
const example = (name: string) => fs.readFileSync(path.join(OURS, name), 'utf8');
const NATIVE = 'application/native.yaml';
const HA = 'upgrades/last-state-ha.yaml';

/** The comment lines of the output, without `# `. */
const notes = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .map((l) => l.replace(/^# ?/, ''));

/** The objects of the output. */
const objects = (text: string) =>
  YAML.parseAllDocuments(text)
    .map((d) => d.toJS() as { kind: string; metadata: { name: string } } | null)
    .filter((o) => o !== null);

/** The example with its YAML edited. */
function edited(
  name: string,
  edit: (doc: { spec: Record<string, unknown> & { job?: Record<string, unknown> } }) => void,
) {
  const doc = YAML.parse(example(name));
  edit(doc);
  return YAML.stringify(doc);
}

test('a first deploy of an application: valid, and the JobManager Deployment, ConfigMap and Services it creates', () => {
  const result = planManifest({ manifest: example(NATIVE) });
  assert.equal(result.valid, true);
  assert.deepEqual(notes(result.text).slice(0, 2), ['FlinkDeployment default/app-native', 'validation: OK']);
  assert.deepEqual(
    objects(result.text).map((o) => `${o.kind}/${o.metadata.name}`),
    [
      'Deployment/app-native',
      'ConfigMap/flink-config-app-native',
      'Service/app-native',
      'Service/app-native-rest',
    ],
  );
});

test('every upstream example plans without error; other kinds are named and left alone', { skip }, () => {
  assert.match(
    planManifest({ manifest: upstream('hpa_basic-hpa.yaml') }).text,
    /^# HorizontalPodAutoscaler default\/basic-hpa\n# not a Flink resource/,
  );
  for (const file of fs.readdirSync(UPSTREAM).filter((f) => f.endsWith('.yaml'))) {
    const text = upstream(file);
    const result = planManifest({ manifest: text });
    if (!/^kind:\s*FlinkDeployment/m.test(text)) continue;
    assert.match(result.text, /^# FlinkDeployment /m, file);
    if (result.valid)
      assert.ok(
        objects(result.text).some((o) => o.kind === 'Deployment'),
        file,
      );
  }
});

test('several documents: a session cluster and its session jobs are each validated', () => {
  const manifest = `${example('session/session-cluster.yaml')}\n---\n${example('session/session-jobs.yaml')}`;
  const result = planManifest({ manifest });
  const lines = notes(result.text);
  assert.ok(lines.includes('FlinkSessionJob default/session-job-windowing'), lines.join('\n'));
  assert.equal(lines.filter((l) => l === 'validation: OK').length, 3);
  assert.equal(result.valid, true);
});

test('an invalid manifest prints the validator messages and no objects', () => {
  const manifest = edited(NATIVE, (d) => {
    d.spec.flinkConfiguration = { 'kubernetes.cluster-id': 'x' };
    d.spec.job!.parallelism = 0;
  });
  const result = planManifest({ manifest });
  assert.equal(result.valid, false);
  assert.deepEqual(notes(result.text).slice(1), [
    'validation: FAILED',
    '  spec.flinkConfiguration.kubernetes.cluster-id: Forbidden Flink config key: kubernetes.cluster-id',
    '  spec.job.parallelism: Job parallelism must be larger than 0',
  ]);
  assert.equal(objects(result.text).length, 0);
});

test('savepoint upgrade: a parallelism change of a savepoint-mode job stops with a savepoint and redeploys from it', () => {
  const current = example('upgrades/savepoint-upgrade.yaml');
  const manifest = edited('upgrades/savepoint-upgrade.yaml', (d) => (d.spec.job!.parallelism = 4));
  const lines = notes(planManifest({ manifest, current }).text);
  assert.ok(lines.includes('update from the deployed spec (UPGRADE):'), lines.join('\n'));
  assert.ok(lines.includes('  savepoint upgrade: stop the job with a savepoint, then redeploy from it'));
  assert.ok(lines.includes('  job.parallelism: 2 -> 4'));
});

test('last-state and stateless upgrades, suspend and changes that need no redeploy', () => {
  const current = edited(HA, (d) => (d.spec.job!.upgradeMode = 'savepoint'));
  const plan = (edit: Parameters<typeof edited>[1]) =>
    notes(
      planManifest({
        manifest: edited(HA, (d) => {
          d.spec.job!.upgradeMode = 'savepoint';
          edit(d);
        }),
        current,
      }).text,
    )[3];
  assert.equal(
    plan((d) => {
      d.spec.job!.upgradeMode = 'last-state';
      d.spec.job!.parallelism = 4;
    }),
    '  last-state upgrade: delete the cluster keeping its HA metadata, redeploy restoring the job from its latest checkpoint',
  );
  assert.equal(
    plan((d) => {
      d.spec.job!.upgradeMode = 'stateless';
      d.spec.image = 'flink:1.20.5';
    }),
    '  stateless upgrade: delete the cluster, redeploy the job from empty state',
  );
  assert.equal(
    plan((d) => (d.spec.job!.state = 'suspended')),
    '  suspend (savepoint): stop the job with a savepoint and delete the cluster',
  );
  assert.equal(
    plan(
      (d) =>
        ((d.spec.flinkConfiguration as Record<string, unknown>)['kubernetes.operator.reconcile.interval'] =
          '1 min'),
    ),
    '  no redeploy: nothing that needs the cluster to change was changed',
  );
});

test('the current resource may be the deployed object with its status: its lastReconciledSpec is what runs', () => {
  const deployed = YAML.parse(example(NATIVE));
  const running = { ...deployed.spec, job: { ...deployed.spec.job, parallelism: 3 } };
  deployed.status = {
    lifecycleState: 'STABLE',
    jobStatus: { state: 'RUNNING', jobId: 'a'.repeat(32) },
    reconciliationStatus: {
      state: 'DEPLOYED',
      lastReconciledSpec: JSON.stringify({ spec: running, resource_metadata: { firstDeployment: true } }),
    },
  };
  const lines = notes(planManifest({ manifest: example(NATIVE), current: YAML.stringify(deployed) }).text);
  assert.ok(lines.includes('  job.parallelism: 3 -> 2'), lines.join('\n'));
});

test('operator configuration reaches the generated objects', () => {
  const config = new OperatorConfig({
    'kubernetes.operator.default-configuration.flink-version.v1_20+.rest.port': '9090',
  });
  const result = planManifest({ manifest: example(NATIVE), operatorConfig: config });
  const deployment = YAML.parseAllDocuments(result.text)[0]!.toJS() as {
    spec: { template: { spec: { containers: { ports: { name: string; containerPort: number }[] }[] } } };
  };
  const rest = deployment.spec.template.spec.containers[0]!.ports.find((p) => p.name === 'rest');
  assert.equal(rest?.containerPort, 9090);
});
