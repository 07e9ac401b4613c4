/**
 * A JobManager that stops answering while its pod looks fine (frozen with SIGSTOP through
 * `kubectl exec`, as a GC pause or a hung node would): the resource must say so, with a Warning,
 * and stop claiming the job runs; once it answers again, the status follows Flink.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorMessage } from '../../src/controllers/common/status-error.ts';
import { kubectl } from '../support/kubectl.ts';
import {
  createDeployment,
  e2eFile,
  eventReasons,
  flinkRest,
  readDeployment,
  runningAndStable,
  streamingDeployment,
  waitFor,
} from './support.ts';
import type { E2eEnv } from './support.ts';
import { eventually } from '../support/cluster.ts';

const NAME = 'frozen';
let env: E2eEnv;
const stateDir = e2eFile('e2e-frozen', (e) => (env = e));

test('a frozen JobManager is reported within a bounded time and recovered from when it answers again', async () => {
  await createDeployment(env, streamingDeployment(NAME, stateDir, { upgradeMode: 'stateless' }));
  const running = await waitFor(env, NAME, 'RUNNING', runningAndStable, 240_000);
  const jobId = running.status!.jobStatus!.jobId!;
  const pods = await env.core.listNamespacedPod({
    namespace: env.namespace,
    labelSelector: `app=${NAME},component=jobmanager`,
  });
  const jm = pods.items[0]!.metadata!.name!;
  const exec = (...command: string[]) =>
    kubectl('-n', env.namespace, 'exec', jm, '-c', 'flink-main-container', '--', ...command);

  const frozen = await exec('kill', '-STOP', '1');
  assert.ok(frozen.ok, frozen.out);
  try {
    const reported = await eventually(
      async () => {
        const d = await readDeployment(env, NAME);
        return /JobManager REST API stopped answering/.test(errorMessage(d.status?.error) ?? '')
          ? d
          : undefined;
      },
      // The REST client's time-out plus a reconcile interval, with room for a loaded machine.
      { what: 'the frozen JobManager reported in status', timeoutMs: 90_000, intervalMs: 1_000 },
    );
    assert.equal(reported.status?.jobManagerDeploymentStatus, 'DEPLOYED_NOT_READY');
    assert.equal(reported.status?.jobStatus?.state, 'RECONCILING', 'the job is no longer claimed RUNNING');
    const warnings = (await env.core.listNamespacedEvent({ namespace: env.namespace })).items.filter(
      (e) =>
        e.involvedObject.name === NAME && e.type === 'Warning' && /stopped answering/.test(e.message ?? ''),
    );
    assert.equal(warnings.length, 1, 'one Warning');
    // What the user sees with kubectl.
    const shown = await kubectl('-n', env.namespace, 'get', 'flinkdeployment', NAME, '--no-headers');
    assert.match(shown.out, /RECONCILING/);
  } finally {
    const thawed = await exec('kill', '-CONT', '1');
    assert.ok(thawed.ok, thawed.out);
  }

  const recovered = await waitFor(
    env,
    NAME,
    'RUNNING again with the error cleared',
    (d) => runningAndStable(d) && d.status?.error === undefined,
    180_000,
  );
  assert.equal(recovered.status?.jobManagerDeploymentStatus, 'READY');
  // Flink itself runs the job again (the same job: nothing was redeployed).
  const rest = await flinkRest(env, NAME);
  await eventually(
    async () => ((await rest.jobs()).find((j) => j.jid === jobId)?.state === 'RUNNING' ? true : undefined),
    {
      what: 'Flink running the same job',
      timeoutMs: 120_000,
    },
  );
  assert.ok((await eventReasons(env, NAME)).includes('JobStatusChanged'));
});
