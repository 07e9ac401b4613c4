import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { FlinkDeployment, FlinkDeploymentSpec } from '../../../src/api/index.ts';
import { serializeReconciledSpec } from '../../../src/controllers/common/reconciled-spec.ts';
import { observeDeployment } from '../../../src/controllers/deployment/observe.ts';
import type { KubeClient } from '../../../src/runtime/index.ts';
import type { ObjectList, ResourceType } from '../../../src/runtime/kube/types.ts';

const spec = {
  image: 'flink:2.2',
  job: { jarURI: 'local:///j.jar', upgradeMode: 'last-state' },
} as FlinkDeploymentSpec;

function deployment(generation: number, observedGeneration: number): FlinkDeployment {
  const recorded = serializeReconciledSpec(spec, false);
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'demo', namespace: 'ns', generation },
    spec,
    status: {
      observedGeneration,
      jobManagerDeploymentStatus: 'READY',
      reconciliationStatus: { state: 'DEPLOYED', lastReconciledSpec: recorded, lastStableSpec: recorded },
    },
  };
}

/** A client that knows one HA job ConfigMap of `demo` and counts the LISTs it answers. */
function fakeClient() {
  const lists: string[] = [];
  const client = {
    async list(rt: ResourceType): Promise<ObjectList<never>> {
      lists.push(rt.plural);
      const items =
        rt.plural === 'configmaps' ? [{ metadata: { name: `demo-${'a'.repeat(32)}-config-map` } }] : [];
      return { items } as unknown as ObjectList<never>;
    },
  };
  // Only `list` is reached by these observations.
  return { client: client as unknown as KubeClient, lists };
}

const jobManagerUp = {
  metadata: { name: 'demo' },
  spec: { replicas: 1 },
  status: { availableReplicas: 1 },
};

test('a steady deployment is observed without listing HA ConfigMaps', async () => {
  const { client, lists } = fakeClient();
  const observed = await observeDeployment(deployment(3, 3), {
    client,
    jobManagerDeployment: jobManagerUp,
    restUrl: async () => undefined,
    restTimeoutMs: 1000,
  });
  assert.deepEqual(lists, []);
  assert.equal(observed.haMetadataAvailable, false);
});

test('a spec change, a missing JobManager or a pending rollback read the HA ConfigMaps', async () => {
  const unstable = deployment(3, 3);
  unstable.status!.reconciliationStatus!.lastStableSpec = serializeReconciledSpec(
    { ...spec, parallelism: 1 },
    false,
  );
  const cases: [string, FlinkDeployment, typeof jobManagerUp | undefined][] = [
    ['spec changed', deployment(4, 3), jobManagerUp],
    ['JobManager missing', deployment(3, 3), undefined],
    ['not yet stable', unstable, jobManagerUp],
  ];
  for (const [what, resource, jobManager] of cases) {
    const { client, lists } = fakeClient();
    const observed = await observeDeployment(resource, {
      client,
      jobManagerDeployment: jobManager,
      restUrl: async () => undefined,
      restTimeoutMs: 1000,
    });
    assert.ok(lists.includes('configmaps'), what);
    assert.equal(observed.haMetadataAvailable, true, what);
  }
});

test('a first deployment is observed without listing HA ConfigMaps; a deleted one lists them', async () => {
  const fresh = deployment(1, 1);
  delete fresh.status;
  const deleted = deployment(3, 3);
  deleted.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  for (const [resource, lists] of [
    [fresh, []],
    [deleted, ['configmaps']],
  ] as const) {
    const fake = fakeClient();
    await observeDeployment(resource, {
      client: fake.client,
      jobManagerDeployment: undefined,
      restUrl: async () => undefined,
      restTimeoutMs: 1000,
    });
    assert.deepEqual(
      fake.lists.filter((l) => l === 'configmaps'),
      lists,
    );
  }
});

test('a running job with overrides on record has its scheduler bounds read when the cluster rescales in place', async () => {
  const jobId = 'c'.repeat(32);
  const requested: string[] = [];
  const routes: Record<string, unknown> = {
    '/config': { 'flink-version': '2.2.1' },
    '/jobs/overview': { jobs: [{ jid: jobId, name: 'demo', state: 'RUNNING', 'start-time': 1 }] },
    [`/jobs/${jobId}/resource-requirements`]: { v1: { parallelism: { lowerBound: 1, upperBound: 4 } } },
  };
  const server = http.createServer((req, res) => {
    const route = (req.url ?? '').replace(/^\/v1/, '');
    requested.push(route);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(routes[route] ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const running = (overrides: Record<string, string>) => {
    const deployed = {
      ...spec,
      flinkVersion: 'v2_2',
      flinkConfiguration: overrides,
      job: { ...spec.job, state: 'running' },
    } as FlinkDeploymentSpec;
    const d = deployment(3, 3);
    d.spec = deployed;
    const recorded = serializeReconciledSpec(deployed, false);
    d.status!.reconciliationStatus = {
      state: 'DEPLOYED',
      lastReconciledSpec: recorded,
      lastStableSpec: recorded,
    };
    d.status!.jobStatus = { jobId, state: 'RUNNING' };
    return d;
  };
  const observe = (d: FlinkDeployment, inPlaceScaling: boolean) => {
    requested.length = 0;
    return observeDeployment(d, {
      client: fakeClient().client,
      jobManagerDeployment: jobManagerUp,
      restUrl: async () => baseUrl,
      restTimeoutMs: 1000,
      inPlaceScaling,
    });
  };
  const bounds = `/jobs/${jobId}/resource-requirements`;
  try {
    const overridden = running({ 'pipeline.jobvertex-parallelism-overrides': 'v1:2' });
    assert.deepEqual((await observe(overridden, true)).vertexUpperBounds, { v1: 4 });
    assert.ok(requested.includes(bounds));
    for (const [what, d, inPlace] of [
      ['no in-place scaling', overridden, false],
      ['no overrides on record', running({}), true],
    ] as const) {
      const observed = await observe(d, inPlace);
      assert.equal(observed.vertexUpperBounds, undefined, what);
      assert.ok(!requested.includes(bounds), what);
    }
  } finally {
    server.close();
  }
});

test('a manual checkpoint that Flink could not take is observed as failed, with its cause', async () => {
  const jobId = 'd'.repeat(32);
  const routes: Record<string, unknown> = {
    '/config': { 'flink-version': '2.2.1' },
    '/jobs/overview': { jobs: [{ jid: jobId, name: 'demo', state: 'RUNNING', 'start-time': 1 }] },
    [`/jobs/${jobId}/checkpoints/trigger-1`]: {
      status: { id: 'COMPLETED' },
      operation: {
        failureCause: {
          class: 'org.apache.flink.runtime.checkpoint.CheckpointException',
          'stack-trace':
            'org.apache.flink.runtime.checkpoint.CheckpointException: Not all required tasks are currently running.\n\tat x',
        },
      },
    },
  };
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(routes[(req.url ?? '').replace(/^\/v1/, '')] ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const d = deployment(3, 3);
    d.status!.jobStatus = {
      jobId,
      state: 'RUNNING',
      checkpointInfo: { triggerId: 'trigger-1', triggerType: 'MANUAL', triggerTimestamp: 1 },
    };
    const observed = await observeDeployment(d, {
      client: fakeClient().client,
      jobManagerDeployment: jobManagerUp,
      restUrl: async () => baseUrl,
      restTimeoutMs: 1000,
    });
    assert.deepEqual(observed.trigger, {
      status: 'FAILED',
      error:
        'org.apache.flink.runtime.checkpoint.CheckpointException: Not all required tasks are currently running.',
    });
  } finally {
    server.close();
  }
});
