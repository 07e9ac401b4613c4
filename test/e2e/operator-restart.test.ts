/**
 * The operator dies in the middle of a savepoint upgrade and a new one takes over: the upgrade
 * completes from the savepoint of that upgrade, and no second savepoint is taken needlessly.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  createDeployment,
  e2eFile,
  flinkRest,
  patchSpec,
  readDeployment,
  runningAndStable,
  streamingDeployment,
  waitFor,
  type E2eEnv,
} from './support.ts';
import { eventually } from '../support/cluster.ts';

const NAME = 'restart';
let env: E2eEnv;
const stateDir = e2eFile('e2e-restart', (e) => (env = e));

const savepoints = () =>
  fs.existsSync(path.join(stateDir, 'savepoints')) ? fs.readdirSync(path.join(stateDir, 'savepoints')) : [];

test('an operator stopped mid-upgrade is replaced and the upgrade completes from the same savepoint', async () => {
  await createDeployment(env, streamingDeployment(NAME, stateDir));
  const first = await waitFor(env, NAME, 'RUNNING', runningAndStable);
  await new Promise((r) => setTimeout(r, 3000));
  await patchSpec(env, NAME, { job: { parallelism: 1 } });
  // Stop the operator as soon as the upgrade savepoint is marked in status.
  await eventually(
    async () =>
      (await readDeployment(env, NAME)).status?.jobStatus?.savepointInfo?.triggerType === 'UPGRADE'
        ? true
        : undefined,
    { what: 'the upgrade savepoint to be marked', intervalMs: 20 },
  );
  await env.stopOperator();
  // Meanwhile Flink finishes whatever was triggered.
  await new Promise((r) => setTimeout(r, 5000));
  const whileDown = savepoints();
  assert.ok(
    whileDown.length <= 1,
    `at most one savepoint while the operator was down: ${whileDown.join(', ')}`,
  );

  await env.startOperator();
  const d = await waitFor(
    env,
    NAME,
    'upgraded by the new operator',
    (x) => runningAndStable(x) && x.status!.jobStatus!.jobId !== first.status!.jobStatus!.jobId,
  );
  const taken = savepoints();
  assert.equal(taken.length, 1, `exactly one savepoint: ${taken.join(', ')}`);
  assert.ok(d.status!.jobStatus!.upgradeSavepointPath!.endsWith(taken[0]!));
  const rest = await flinkRest(env, NAME);
  const stats = await rest.checkpointStatistics(d.status!.jobStatus!.jobId!);
  assert.equal(stats.latest.restored?.external_path, d.status!.jobStatus!.upgradeSavepointPath);
});
