/**
 * The autoscaler's Prometheus series on a real API server: a controller that runs the autoscaler
 * step for FlinkDeployments publishes the evaluation kept in `autoscaler-<name>` on `/metrics`,
 * and drops it after a reset, once the autoscaler is off, and when the deployment is deleted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { installCrds, type FlinkDeployment } from '../../../src/api/index.ts';
import { autoscale } from '../../../src/autoscaler/autoscaler.ts';
import { AutoscalerStateStore } from '../../../src/autoscaler/store.ts';
import { EMPTY_STATE, type AutoscalerState } from '../../../src/autoscaler/types.ts';
import { resourceConfig } from '../../../src/controllers/common/options.ts';
import { FLINK_DEPLOYMENTS } from '../../../src/controllers/sessionjob/session.ts';
import { Action, Controller, KubeClient, Manager, createLogger } from '../../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';
import { testConfig } from '../runtime/support.ts';
import { autoscaledDeployment } from './fixtures.ts';

const kc = testKubeConfig();
const client = new KubeClient(kc);
const store = new AutoscalerStateStore(client);
let ns: { name: string; remove: () => Promise<void> };
let manager: Manager;

before(async () => {
  await installCrds(kc);
  ns = await createTestNamespace(kc, 'autoscaler-metrics');
});
after(async () => {
  await manager?.stop();
  await ns.remove();
  client.close();
});

const evaluated = (resetNonce?: number): AutoscalerState => ({
  ...structuredClone(EMPTY_STATE),
  ...(resetNonce !== undefined ? { resetNonce } : {}),
  topology: {
    vertices: [{ id: 'src', name: 'Source', parallelism: 2, maxParallelism: 128, inputs: [], outputs: [] }],
  },
  lastEvaluation: {
    time: 1,
    vertices: {
      src: {
        parallelism: 2,
        maxParallelism: 128,
        load: 0.75,
        trueProcessingRate: 400,
        targetDataRate: 300,
        catchUpDataRate: 0,
        scaleUpRateThreshold: 350,
        scaleDownRateThreshold: 150,
        recommendedParallelism: 3,
      },
    },
  },
});

async function metricsText(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${manager.metricsPort}/metrics`)).text();
}

/** Waits until the `/metrics` text passes `check`. */
function metricsWhere(what: string, check: (text: string) => boolean): Promise<string> {
  return eventually(
    async () => {
      const text = await metricsText();
      return check(text) ? text : undefined;
    },
    { what },
  );
}

/** Changes an annotation, so that the controller reconciles the deployment again. */
function touch(name: string, value: string) {
  return client.patch(FLINK_DEPLOYMENTS, ns.name, name, { metadata: { annotations: { touched: value } } });
}

test('an evaluation is on /metrics until a reset, the autoscaler is off or the deployment is gone', async () => {
  const deployment = await client.create<FlinkDeployment>(
    FLINK_DEPLOYMENTS,
    autoscaledDeployment(ns.name, 2),
  );
  await store.save(deployment, evaluated());

  manager = new Manager({
    kubeConfig: kc,
    config: testConfig({ 'kubernetes.operator.watched.namespaces': ns.name }),
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    healthPort: 0,
    metricsPort: 0,
    host: '127.0.0.1',
  });
  manager.add(
    new Controller<FlinkDeployment>({
      resource: FLINK_DEPLOYMENTS,
      reconcile: async (obj, ctx) => {
        // The job is not running: the step publishes what the ConfigMap keeps, as after a restart.
        await autoscale({ ...obj, kind: 'FlinkDeployment' }, false, {
          client: ctx.client,
          config: resourceConfig(ctx.config, obj.spec.flinkConfiguration),
          restUrl: () => Promise.resolve(undefined),
          recordEvent: () => Promise.resolve(),
          metrics: ctx.autoscalerMetrics,
          now: Date.now(),
        });
        return Action.awaitChange();
      },
    }),
  );
  await manager.start();

  const resource = `namespace="${ns.name}",name="scaled",kind="FlinkDeployment"`;
  const series = (metric: string, stat: string) =>
    `flink_operator_autoscaler_vertex_metric{${resource},vertex="src",metric="${metric}",stat="${stat}"}`;
  const hasEvaluation = (text: string) => text.includes(`${series('LOAD', 'average')} 0.75`);
  const hasCounters = (text: string) =>
    text.includes(`flink_operator_autoscaler_scalings_total{${resource}} 0`);
  const mentions = (text: string) => text.includes(`name="scaled"`);

  const text = await metricsWhere('the evaluation on /metrics', hasEvaluation);
  assert.ok(text.includes(`${series('RECOMMENDED_PARALLELISM', 'current')} 3`));
  assert.ok(text.includes(`${series('PARALLELISM', 'current')} 2`));
  assert.ok(hasCounters(text));

  await client.patch(FLINK_DEPLOYMENTS, ns.name, 'scaled', { spec: { job: { autoscalerResetNonce: 1 } } });
  const afterReset = await metricsWhere('no evaluation after the reset', (t) => !hasEvaluation(t));
  assert.ok(!afterReset.includes('vertex_metric{' + resource), 'no vertex series at all');
  assert.ok(hasCounters(afterReset), 'the counters stay');

  await store.save(deployment, evaluated(1));
  await touch('scaled', '1');
  await metricsWhere('the new evaluation on /metrics', hasEvaluation);

  await client.patch(FLINK_DEPLOYMENTS, ns.name, 'scaled', {
    spec: { flinkConfiguration: { 'job.autoscaler.enabled': 'false' } },
  });
  await metricsWhere('no series once the autoscaler is off', (t) => !mentions(t));

  await client.patch(FLINK_DEPLOYMENTS, ns.name, 'scaled', {
    spec: { flinkConfiguration: { 'job.autoscaler.enabled': 'true' } },
  });
  await store.save(deployment, evaluated(1));
  await touch('scaled', '2');
  await metricsWhere('the evaluation back on /metrics', hasEvaluation);

  await client.delete(FLINK_DEPLOYMENTS, ns.name, 'scaled');
  await metricsWhere('no series once the deployment is gone', (t) => !mentions(t));
});
