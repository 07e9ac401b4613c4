/**
 * Our generated CRDs in a real API server: the upstream operator's example and e2e manifests are
 * accepted, nothing of what users send is pruned, and kubectl shows the familiar columns.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { GROUP, KINDS, VERSION, installCrds } from '../../../src/api/index.ts';
import { binaryPath } from '../../../src/devcluster/versions.ts';
import { createTestNamespace, testKubeConfig } from '../../support/cluster.ts';
import { COMPAT_DIR, compatSkip } from '../../support/compat.ts';

type Json = { [key: string]: unknown };

const UPSTREAM = COMPAT_DIR;
const skip = compatSkip();
const PLURALS = new Map(KINDS.map((k) => [k.kind as string, k.plural]));

interface Manifest {
  file: string;
  body: Json;
}

function upstreamManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const dir of ['examples', 'e2e-data']) {
    for (const file of fs.readdirSync(path.join(UPSTREAM, dir)).sort()) {
      const text = fs.readFileSync(path.join(UPSTREAM, dir, file), 'utf8');
      for (const doc of parseAllDocuments(text)) {
        const body = doc.toJS() as Json | null;
        if (body && PLURALS.has(String(body.kind))) out.push({ file: `${dir}/${file}`, body });
      }
    }
  }
  return out;
}

function inNamespace(body: Json, namespace: string): Json {
  const copy = structuredClone(body);
  copy.metadata = { ...(copy.metadata as Json), namespace };
  return copy;
}

describe('generated CRDs in the API server', { skip }, () => {
  const kc = testKubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const namespaces: Array<{ name: string; remove: () => Promise<void> }> = [];
  const manifests = upstreamManifests();

  const create = (body: Json, namespace: string, dryRun?: 'All') =>
    api.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURALS.get(String(body.kind)) ?? '',
      body: inNamespace(body, namespace),
      dryRun,
    }) as Promise<Json>;

  before(async () => {
    // Twice, concurrently: other test files install the same CRDs into the same cluster.
    await Promise.all([installCrds(kc), installCrds(kc)]);
  });

  after(async () => {
    await Promise.all(namespaces.map((ns) => ns.remove()));
  });

  it('finds the upstream manifests of all three kinds', () => {
    const kinds = new Set(manifests.map((m) => m.body.kind));
    assert.deepEqual([...kinds].sort(), ['FlinkDeployment', 'FlinkSessionJob', 'FlinkStateSnapshot']);
  });

  it('accepts every upstream example and e2e manifest with a server-side dry run', async () => {
    const ns = await createTestNamespace(kc, 'api-dry');
    namespaces.push(ns);
    for (const { file, body } of manifests) {
      await assert.doesNotReject(
        create(body, ns.name, 'All'),
        `${file}: ${String((body.metadata as Json).name)}`,
      );
    }
  });

  it('keeps every field of every upstream manifest through create and get', async () => {
    // One namespace per file: some files reuse names that others use too.
    const byFile = new Map<string, Json[]>();
    for (const m of manifests) byFile.set(m.file, [...(byFile.get(m.file) ?? []), m.body]);
    for (const [file, bodies] of byFile) {
      const ns = await createTestNamespace(kc, 'api-rt');
      namespaces.push(ns);
      for (const body of bodies) {
        const name = String((body.metadata as Json).name);
        const created = await create(body, ns.name).catch((err: unknown) => {
          // A file may hold the same object twice (applied in two steps upstream); the first one stays.
          if ((err as { code?: number }).code === 409) return undefined;
          throw err;
        });
        if (!created) continue;
        const read = (await api.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns.name,
          plural: PLURALS.get(String(body.kind)) ?? '',
          name,
        })) as Json;
        assert.deepEqual(read.spec, body.spec, `${file}: ${name}`);
      }
    }
  });

  it('keeps our additions and a full status through the status subresource', async () => {
    const ns = await createTestNamespace(kc, 'api-status');
    namespaces.push(ns);
    const body: Json = parse(fs.readFileSync(path.join(UPSTREAM, 'examples', 'basic.yaml'), 'utf8')) as Json;
    const spec = body.spec as Json;
    spec.schedule = {
      cron: '0 0/5 * * * ?',
      timeZone: 'Europe/Berlin',
      concurrencyPolicy: 'Replace',
      startingDeadlineSeconds: 30,
      suspend: false,
      successfulRunsHistoryLimit: 3,
      failedRunsHistoryLimit: 1,
    };
    spec.restartNonce = 4;
    spec.jobManager = {
      ...(spec.jobManager as Json),
      podTemplate: {
        spec: {
          hostUsers: false,
          containers: [
            {
              name: 'flink-main-container',
              resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
            },
          ],
        },
      },
    };
    const created = await create(body, ns.name);
    assert.deepEqual(created.spec, spec);
    const status: Json = {
      lifecycleState: 'STABLE',
      jobManagerDeploymentStatus: 'READY',
      observedGeneration: 1,
      error: '{"type":"x","message":"y"}',
      clusterInfo: { 'flink-version': '2.2.0', 'total-cpu': '2.0' },
      taskManager: { labelSelector: 'component=taskmanager,app=basic-example', replicas: 1 },
      conditions: [
        {
          type: 'Running',
          status: 'True',
          reason: 'JobReady',
          message: 'ok',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          observedGeneration: 1,
        },
      ],
      jobStatus: {
        jobName: 'State machine job',
        jobId: 'a1b2',
        state: 'CRON_SCHEDULED',
        startTime: '1700000000000',
        updateTime: '1700000000001',
        upgradeSavepointPath: 's3://sp/1',
        savepointInfo: {
          lastSavepoint: {
            timeStamp: 1,
            location: 's3://sp/1',
            triggerType: 'MANUAL',
            formatType: 'CANONICAL',
            triggerNonce: 2,
          },
          triggerId: 't',
          triggerTimestamp: 3,
          triggerType: 'PERIODIC',
          formatType: 'NATIVE',
          savepointHistory: [
            {
              timeStamp: 1,
              location: 's3://sp/1',
              triggerType: 'UPGRADE',
              formatType: 'UNKNOWN',
              triggerNonce: 0,
            },
          ],
          lastPeriodicSavepointTimestamp: 5,
        },
        checkpointInfo: {
          lastCheckpoint: { timeStamp: 1, triggerType: 'MANUAL', formatType: 'FULL', triggerNonce: 1 },
          triggerId: 'c',
          triggerTimestamp: 2,
          triggerType: 'MANUAL',
          formatType: 'INCREMENTAL',
          lastPeriodicCheckpointTimestamp: 3,
        },
      },
      reconciliationStatus: {
        reconciliationTimestamp: 1700000000000,
        lastReconciledSpec: JSON.stringify({ spec, resource_metadata: {} }),
        lastStableSpec: JSON.stringify({ spec, resource_metadata: {} }),
        state: 'DEPLOYED',
      },
      schedule: {
        lastScheduleTime: '2026-01-01T00:05:00Z',
        nextScheduleTime: '2026-01-01T00:10:00Z',
        lastSuccessfulTime: '2026-01-01T00:00:00Z',
        active: ['basic-example-01010005'],
        history: [
          { name: 'basic-example-01010000', scheduledTime: '2026-01-01T00:00:00Z', outcome: 'Succeeded' },
        ],
      },
    };
    const updated = (await api.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: ns.name,
      plural: 'flinkdeployments',
      name: String((body.metadata as Json).name),
      body: { ...created, status },
    })) as Json;
    assert.deepEqual(updated.status, status);
  });

  it('kubectl shows the upstream columns, and our schedule columns only with -o wide', async () => {
    const ns = await createTestNamespace(kc, 'api-kubectl');
    namespaces.push(ns);
    await create(
      parse(fs.readFileSync(path.join(UPSTREAM, 'examples', 'basic.yaml'), 'utf8')) as Json,
      ns.name,
    );
    const upstreamCrd = parse(
      fs.readFileSync(path.join(UPSTREAM, 'crds', 'flinkdeployments.flink.apache.org-v1.yml'), 'utf8'),
    ) as { spec: { versions: Array<{ additionalPrinterColumns: Array<{ name: string }> }> } };
    const upstreamHeaders =
      upstreamCrd.spec.versions[0]?.additionalPrinterColumns.map((c) => c.name.toUpperCase()) ?? [];
    const headers = async (...extra: string[]) => {
      const { stdout } = await promisify(execFile)(binaryPath('kubectl'), [
        '--kubeconfig',
        process.env.FLINK_OPERATOR_TEST_KUBECONFIG ?? '',
        'get',
        'flinkdeployments',
        '-n',
        ns.name,
        ...extra,
      ]);
      return (stdout.split('\n')[0] ?? '').trim().split(/\s{2,}/);
    };
    assert.deepEqual(await headers(), ['NAME', ...upstreamHeaders]);
    assert.deepEqual(await headers('-o', 'wide'), ['NAME', ...upstreamHeaders, 'SCHEDULE', 'NEXT RUN']);
  });
});
