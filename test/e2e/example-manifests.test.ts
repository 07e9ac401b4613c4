/**
 * Standard manifests run unchanged on the local cluster: the Apache operator's basic example (its
 * StateMachineExample jar from the image's examples folder), and a standalone cluster with
 * Kubernetes HA, whose JobManager announces `$(_POD_IP_ADDRESS)` from its container args.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import YAML from 'yaml';
import type { FlinkDeployment } from '../../src/api/index.ts';
import { compatPath, compatSkip } from '../support/compat.ts';
import {
  createDeployment,
  deleteDeployment,
  e2eFile,
  flinkRest,
  runningAndStable,
  runningParallelism,
  streamingDeployment,
  waitFor,
  type E2eEnv,
  kubernetesHa,
} from './support.ts';

let env: E2eEnv;
const stateDir = e2eFile('e2e-examples', (e) => (env = e));
const STATE_MACHINE_JAR = 'local:///opt/flink/examples/streaming/StateMachineExample.jar';

test(
  "the Apache operator's basic example runs its StateMachineExample job",
  { skip: compatSkip() },
  async () => {
    const manifest = YAML.parse(
      fs.readFileSync(compatPath('examples', 'basic.yaml'), 'utf8'),
    ) as FlinkDeployment;
    assert.equal(manifest.spec.job?.jarURI, STATE_MACHINE_JAR);
    const name = manifest.metadata.name!;
    await createDeployment(env, manifest);
    const d = await waitFor(env, name, 'RUNNING', runningAndStable);
    const jobId = d.status?.jobStatus?.jobId ?? '';
    const rest = await flinkRest(env, name);
    const job = await rest.jobDetails(jobId);
    assert.equal(job.state, 'RUNNING');
    assert.equal(job.name, 'State machine job');
    assert.equal(await runningParallelism(env, name, jobId), manifest.spec.job?.parallelism);
    await deleteDeployment(env, name);
  },
);

test('a standalone application with Kubernetes HA: the JobManager runs with its pod IP as RPC address', async () => {
  const name = 'standalone-ha';
  const deployment = streamingDeployment(name, stateDir, {
    jarURI: STATE_MACHINE_JAR,
    parallelism: 1,
    upgradeMode: 'stateless',
  });
  deployment.spec.mode = 'standalone';
  deployment.spec.flinkConfiguration = {
    ...deployment.spec.flinkConfiguration,
    ...kubernetesHa(stateDir),
  };
  await createDeployment(env, deployment);
  const d = await waitFor(env, name, 'RUNNING', runningAndStable);

  const pods = await env.core.listNamespacedPod({
    namespace: env.namespace,
    labelSelector: `app=${name},component=jobmanager`,
  });
  const jm = pods.items.find((p) => !p.metadata?.deletionTimestamp);
  const args = jm?.spec?.containers[0]?.args ?? [];
  assert.ok(args.includes('jobmanager.rpc.address=$(_POD_IP_ADDRESS)'), `pod args: ${args.join(' ')}`);
  const podIp = jm?.status?.podIP;
  assert.match(podIp ?? '', /^127\./);

  // What the JobManager process actually took as its configuration.
  const config = (await (await fetch(`http://${podIp}:8081/jobmanager/config`)).json()) as {
    key: string;
    value: string;
  }[];
  assert.equal(config.find((c) => c.key === 'jobmanager.rpc.address')?.value, podIp);
  const rest = await flinkRest(env, name);
  assert.equal((await rest.jobDetails(d.status?.jobStatus?.jobId ?? '')).state, 'RUNNING');
  assert.equal((await rest.overview()).taskmanagers, 1, 'the TaskManager found the JobManager through HA');
  await deleteDeployment(env, name);
});
