/**
 * Scheduled runs on real Flink: a template with the `job.execute.cron` annotation starts a run of
 * the WordCount batch job at each tick; each run ends FINISHED, and the next tick cleans it up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlinkDeployment } from '../../src/api/index.ts';
import { eventually } from '../support/cluster.ts';
import { createDeployment, e2eFile, readDeployment, GROUP, VERSION, type E2eEnv } from './support.ts';

let env: E2eEnv;
const TEMPLATE = 'nightly';

e2eFile('e2e-cron', (e) => (env = e));

async function runs(): Promise<FlinkDeployment[]> {
  const list = (await env.custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: env.namespace,
    plural: 'flinkdeployments',
    labelSelector: `flink-operator.dev/schedule=${TEMPLATE}`,
  })) as { items: FlinkDeployment[] };
  return list.items.filter((d) => !d.metadata.deletionTimestamp);
}

async function events(): Promise<string[]> {
  const list = await env.core.listNamespacedEvent({ namespace: env.namespace });
  return list.items.filter((e) => e.involvedObject.name === TEMPLATE).map((e) => `${e.reason}: ${e.message}`);
}

test('each tick runs the batch job to FINISHED and the next tick cleans up the previous run', async () => {
  await createDeployment(env, {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'FlinkDeployment',
    metadata: { name: TEMPLATE, annotations: { 'job.execute.cron': '*/40 * * * * ?' } },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      serviceAccount: 'flink',
      flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '1', 'execution.runtime-mode': 'BATCH' },
      jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
      taskManager: { resource: { memory: '1024m', cpu: 0.5 } },
      job: {
        jarURI: 'local:///opt/flink/examples/streaming/WordCount.jar',
        parallelism: 1,
        upgradeMode: 'stateless',
      },
    },
  } as FlinkDeployment);

  const template = await eventually(
    async () => {
      const t = await readDeployment(env, TEMPLATE);
      return t.status?.jobStatus?.state === 'CRON_SCHEDULED' ? t : undefined;
    },
    { what: 'the template to be CRON_SCHEDULED' },
  );
  assert.ok(template.status?.schedule?.nextScheduleTime, 'the next run time is shown');

  const first = await eventually(
    async () => {
      const list = await runs();
      const done = list.find((r) => r.status?.jobStatus?.state === 'FINISHED');
      return done;
    },
    { what: 'a run to finish', timeoutMs: 150_000, intervalMs: 1000 },
  );
  assert.match(first.metadata.name!, new RegExp(`^${TEMPLATE}-\\d{10}$`), 'named <template>-<MMddHHmmss>');
  assert.equal(first.metadata.ownerReferences?.[0]?.name, TEMPLATE);

  // The next tick starts a new run and cleans up the finished one.
  await eventually(
    async () => {
      const list = await runs();
      return list.some((r) => r.metadata.name !== first.metadata.name) &&
        !list.some((r) => r.metadata.name === first.metadata.name)
        ? true
        : undefined;
    },
    { what: 'the next run to replace the first', timeoutMs: 90_000, intervalMs: 1000 },
  );
  const recorded = await events();
  assert.ok(
    recorded.includes(`JobStatusChanged: Submit new job ${first.metadata.name}`),
    recorded.join('\n'),
  );
  assert.ok(recorded.includes(`Cleanup: Clean up ${first.metadata.name}`), recorded.join('\n'));
  // The template itself never runs a cluster.
  const clusters = await env.apps.listNamespacedDeployment({
    namespace: env.namespace,
    labelSelector: `app=${TEMPLATE}`,
  });
  assert.equal(clusters.items.length, 0);
});
