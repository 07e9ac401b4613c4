/**
 * The job autoscaler on real Flink: a load generator job (test/e2e/fixtures/autoscaling) whose
 * per-record cost the test turns up and down. Under load the keyed vertex scales up, in place
 * through the adaptive scheduler; once the load is gone it scales back down. The decisions show
 * as Events and in the autoscaler's ConfigMap.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { FlinkDeployment } from '../../src/api/index.ts';
import { ensureFlinkDistribution } from '../../src/flink/dist/distribution.ts';
import { eventually } from '../support/cluster.ts';
import {
  GROUP,
  VERSION,
  createDeployment,
  e2eEnv,
  eventReasons,
  flinkRest,
  runningAndStable,
  waitFor,
  type E2eEnv,
} from './support.ts';

const NAME = 'autoscaled';
const FIXTURE = fileURLToPath(new URL('./fixtures/autoscaling/LoadJob.java', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-autoscaler-'));
const jobDir = path.join(dir, 'usrlib');
const costFile = path.join(dir, 'cost-us');
let env: E2eEnv;

/** Compiles the load generator against the Flink distribution the cluster runs. */
async function buildJobJar(): Promise<void> {
  const dist = await ensureFlinkDistribution('2.2');
  const classes = path.join(dir, 'classes');
  fs.mkdirSync(classes, { recursive: true });
  fs.mkdirSync(jobDir, { recursive: true });
  execFileSync('javac', ['--release', '11', '-cp', dist.distJar, '-d', classes, FIXTURE]);
  execFileSync('jar', ['--create', '--file', path.join(jobDir, 'load.jar'), '-C', classes, '.']);
}

function deployment(): FlinkDeployment {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'FlinkDeployment',
    metadata: { name: NAME },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      serviceAccount: 'flink',
      flinkConfiguration: {
        'taskmanager.numberOfTaskSlots': '4',
        'execution.checkpointing.interval': '2 s',
        'execution.checkpointing.dir': `file://${dir}/checkpoints`,
        'execution.checkpointing.savepoint-dir': `file://${dir}/savepoints`,
        'jobmanager.scheduler': 'adaptive',
        'jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling': '1 s',
        'jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout': '1 s',
        'metrics.fetcher.update-interval': '2 s',
        'job.autoscaler.enabled': 'true',
        'job.autoscaler.stabilization.interval': '10 s',
        'job.autoscaler.metrics.window': '30 s',
        'job.autoscaler.scale-down.interval': '15 s',
        'job.autoscaler.restart.time': '5 s',
        'job.autoscaler.catch-up.duration': '1 m',
        'job.autoscaler.vertex.max-parallelism': '4',
      },
      podTemplate: {
        spec: {
          containers: [
            { name: 'flink-main-container', volumeMounts: [{ name: 'job', mountPath: '/opt/flink/usrlib' }] },
          ],
          volumes: [{ name: 'job', hostPath: { path: jobDir } }],
        },
      },
      jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
      taskManager: { resource: { memory: '1280m', cpu: 0.5 } },
      job: {
        jarURI: 'local:///opt/flink/usrlib/load.jar',
        entryClass: 'autoscaling.LoadJob',
        args: ['100', costFile],
        parallelism: 1,
        upgradeMode: 'savepoint',
      },
    },
  } as FlinkDeployment;
}

/** Parallelism of the vertex running the costly operator, as Flink reports it. */
async function workParallelism(jobId: string): Promise<number> {
  const rest = await flinkRest(env, NAME);
  const details = await rest.jobDetails(jobId);
  return details.vertices.find((v) => v.name.includes('Work'))!.parallelism;
}

async function autoscalerConfigMap() {
  return env.core.readNamespacedConfigMap({ namespace: env.namespace, name: `autoscaler-${NAME}` });
}

before(async () => {
  await buildJobJar();
  env = await e2eEnv('e2e-autoscaler');
});
after(async () => {
  await env?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('under load the keyed vertex scales up in place; without load it scales back down', async (t) => {
  // 100 records/s at 15 ms each is 1.5 s of work per second: one subtask cannot keep up.
  fs.writeFileSync(costFile, '15000');
  await createDeployment(env, deployment());
  const running = await waitFor(env, NAME, 'RUNNING and STABLE', runningAndStable);
  const jobId = running.status!.jobStatus!.jobId!;
  assert.equal(await workParallelism(jobId), 1);

  const scaledUp = await eventually(
    async () => {
      const p = await workParallelism(jobId);
      return p > 1 ? p : undefined;
    },
    { what: 'the Work vertex scaled up', timeoutMs: 240_000, intervalMs: 2_000 },
  );
  const reasons = await eventReasons(env, NAME);
  assert.ok(reasons.includes('ScalingReport'), `events: ${reasons.join(', ')}`);
  assert.ok(reasons.includes('Scaling'), `events: ${reasons.join(', ')}`);
  const cm = await autoscalerConfigMap();
  assert.equal(cm.metadata?.labels?.component, 'autoscaler');
  assert.equal(cm.metadata?.labels?.app, NAME);
  assert.match(cm.data?.parallelismOverrides ?? '', new RegExp(`:${scaledUp}`));
  // The decision is on the operator's Prometheus endpoint, per vertex of this deployment.
  const resource = `namespace="${env.namespace}",name="${NAME}",kind="FlinkDeployment"`;
  const metrics = await (await fetch(`http://127.0.0.1:${env.operator.metricsPort}/metrics`)).text();
  assert.match(metrics, new RegExp(`flink_operator_autoscaler_scalings_total\\{${resource}\\} [1-9]`));
  assert.match(
    metrics,
    new RegExp(
      `flink_operator_autoscaler_vertex_metric\\{${resource},vertex="\\w+",metric="TRUE_PROCESSING_RATE"`,
    ),
  );
  // In place: the same job keeps running, no upgrade happened.
  const afterUp = await waitFor(env, NAME, 'RUNNING and STABLE after scaling up', runningAndStable);
  assert.equal(afterUp.status!.jobStatus!.jobId, jobId);
  assert.ok(!reasons.includes('Suspended'));

  fs.writeFileSync(costFile, '0');
  await eventually(async () => ((await workParallelism(jobId)) < scaledUp ? true : undefined), {
    what: 'the Work vertex scaled back down',
    timeoutMs: 240_000,
    intervalMs: 2_000,
  });
  const history = JSON.parse((await autoscalerConfigMap()).data?.scalingHistory ?? '{}') as Record<
    string,
    { currentParallelism: number; newParallelism: number }[]
  >;
  const steps = Object.values(history).flat();
  t.diagnostic(`scaling history: ${JSON.stringify(history)}`);
  assert.ok(steps.some((s) => s.newParallelism > s.currentParallelism));
  assert.ok(steps.some((s) => s.newParallelism < s.currentParallelism));
});
