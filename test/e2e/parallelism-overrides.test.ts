/**
 * Vertex parallelism overrides (`pipeline.jobvertex-parallelism-overrides`, what the autoscaler
 * applies) of an application cluster on Flink 2.2. Flink 2 starts the job without them although
 * the JobManager's configuration holds them: after a savepoint upgrade with the default scheduler
 * the vertex keeps the job's parallelism (and the operator warns). With the adaptive scheduler the
 * operator applies them in place, also again after a redeploy (restartNonce).
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { FlinkDeployment } from '../../src/api/index.ts';
import { eventually } from '../support/cluster.ts';
import {
  createDeployment,
  e2eFile,
  eventReasons,
  flinkRest,
  patchSpec,
  readDeployment,
  runningAndStable,
  streamingDeployment,
  waitFor,
  type E2eEnv,
} from './support.ts';

let env: E2eEnv;
const stateDir = e2eFile('e2e-overrides', (e) => (env = e));

const OVERRIDES_KEY = 'pipeline.jobvertex-parallelism-overrides';

function deployment(name: string, flinkConfiguration: Record<string, string> = {}): FlinkDeployment {
  const d = streamingDeployment(name, `${stateDir}/${name}`);
  d.spec.flinkConfiguration = { ...d.spec.flinkConfiguration, ...flinkConfiguration };
  return d;
}

/** Parallelism of each vertex of the job, by vertex id, as Flink reports it. */
async function vertexParallelism(name: string, jobId: string): Promise<Record<string, number>> {
  const details = await (await flinkRest(env, name)).jobDetails(jobId);
  return Object.fromEntries(details.vertices.map((v) => [v.id, v.parallelism]));
}

/** The value of a key in the configuration the JobManager runs with. */
async function jobManagerConfig(name: string, key: string): Promise<string | undefined> {
  const rest = await flinkRest(env, name);
  const entries = (await (await fetch(`${rest.baseUrl}/jobmanager/config`)).json()) as {
    key: string;
    value: string;
  }[];
  return entries.find((e) => e.key === key)?.value;
}

async function eventMessages(name: string, reason: string): Promise<string[]> {
  const list = await env.core.listNamespacedEvent({ namespace: env.namespace });
  return list.items
    .filter((e) => e.involvedObject.name === name && e.reason === reason)
    .map((e) => e.message ?? '');
}

/**
 * Deploys the job at parallelism 2 and picks the vertex running at 2 (the window operator and
 * sink; the source runs at 1) to override down to 1, which needs no further slots.
 */
async function deployAndPickVertex(name: string, extra: Record<string, string> = {}) {
  await createDeployment(env, deployment(name, extra));
  const d = await waitFor(env, name, 'RUNNING and STABLE', runningAndStable);
  const jobId = d.status!.jobStatus!.jobId!;
  const parallelism = await vertexParallelism(name, jobId);
  const vertex = Object.keys(parallelism).find((v) => parallelism[v] === 2);
  assert.ok(vertex, `a vertex at parallelism 2: ${JSON.stringify(parallelism)}`);
  return { jobId, vertex, flinkConfiguration: d.spec.flinkConfiguration as Record<string, string> };
}

/** Waits for a RUNNING and STABLE job other than `previousJobId` for the current generation. */
async function nextRunningJob(name: string, previousJobId: string): Promise<string> {
  const d = await waitFor(
    env,
    name,
    'a new job RUNNING and STABLE',
    (x) =>
      runningAndStable(x) &&
      x.status!.jobStatus!.jobId !== previousJobId &&
      x.status!.observedGeneration === x.metadata!.generation,
  );
  return d.status!.jobStatus!.jobId!;
}

/**
 * The vertex's parallelism when first looked at and once it reached `expected` (or what it still
 * ran at after a while).
 */
async function settledParallelism(name: string, jobId: string, vertex: string, expected: number) {
  const seen: number[] = [];
  await eventually(
    async () => {
      seen.push((await vertexParallelism(name, jobId))[vertex]!);
      return seen.at(-1) === expected ? true : undefined;
    },
    { what: `${name}: vertex ${vertex} at parallelism ${expected}`, timeoutMs: 30_000, intervalMs: 1_000 },
  ).catch(() => undefined);
  return { first: seen[0], last: seen.at(-1) };
}

describe('vertex parallelism overrides on Flink 2.2 application clusters', { concurrency: true }, () => {
  test('default scheduler: Flink ignores the override at the upgrade; the operator warns', async (t: TestContext) => {
    const name = 'overrides-default';
    const { jobId, vertex, flinkConfiguration } = await deployAndPickVertex(name);
    await patchSpec(env, name, {
      flinkConfiguration: { ...flinkConfiguration, [OVERRIDES_KEY]: `${vertex}:1` },
    });
    const upgraded = await nextRunningJob(name, jobId);
    assert.equal(await jobManagerConfig(name, OVERRIDES_KEY), `${vertex}:1`);
    const seen = (await vertexParallelism(name, upgraded))[vertex];
    t.diagnostic(`after the upgrade vertex ${vertex} runs at ${seen} (override 1, job parallelism 2)`);
    assert.equal(seen, 2);
    assert.ok((await eventReasons(env, name)).includes('IneffectiveScaling'));
  });

  test('adaptive scheduler: the operator sets the override in place, and again after a redeploy', async (t: TestContext) => {
    const name = 'overrides-adaptive';
    const { jobId, vertex, flinkConfiguration } = await deployAndPickVertex(name, {
      'jobmanager.scheduler': 'adaptive',
      'jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling': '1 s',
      'jobmanager.adaptive-scheduler.executing.resource-stabilization-timeout': '1 s',
    });
    await patchSpec(env, name, {
      flinkConfiguration: { ...flinkConfiguration, [OVERRIDES_KEY]: `${vertex}:1` },
    });
    const inPlace = await settledParallelism(name, jobId, vertex, 1);
    t.diagnostic(`in place vertex ${vertex} runs at ${JSON.stringify(inPlace)}`);
    assert.equal(inPlace.last, 1);
    assert.equal((await readDeployment(env, name)).status!.jobStatus!.jobId, jobId, 'the same job, rescaled');

    await patchSpec(env, name, { restartNonce: 1 });
    const redeployed = await nextRunningJob(name, jobId);
    assert.equal(await jobManagerConfig(name, OVERRIDES_KEY), `${vertex}:1`);
    const seen = await settledParallelism(name, redeployed, vertex, 1);
    t.diagnostic(`after the redeploy vertex ${vertex} runs at ${JSON.stringify(seen)}`);
    assert.equal(seen.last, 1);
    // Flink started the job at its own parallelism; the operator set the override again in place.
    const scaling = await eventMessages(name, 'Scaling');
    assert.ok(
      scaling.some((m) => m.includes(`${vertex} runs at 2 instead of 1`)),
      `Scaling events: ${scaling.join(' | ')}`,
    );
    assert.equal((await readDeployment(env, name)).status!.jobStatus!.jobId, redeployed);
  });
});
