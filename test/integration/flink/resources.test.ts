/**
 * Every FlinkDeployment among the upstream example manifests turned into Kubernetes objects and
 * created with server-side dry-run against the real API server: the objects must be valid, and
 * carry what Flink needs to start.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { FlinkDeployment } from '../../../src/api/index.ts';
import {
  DEFAULT_OPERATOR_CONFIGURATION,
  effectiveConfiguration,
  parseConfigYaml,
} from '../../../src/flink/config/index.ts';
import { allObjects, desiredObjects, MAIN_CONTAINER_NAME } from '../../../src/flink/resources/index.ts';
import { createTestNamespace, testKubeConfig } from '../../support/cluster.ts';
import { COMPAT_DIR, compatSkip } from '../../support/compat.ts';

const UPSTREAM = COMPAT_DIR;
const skip = compatSkip();

function manifests(): Array<{ file: string; deployment: FlinkDeployment }> {
  const out: Array<{ file: string; deployment: FlinkDeployment }> = [];
  for (const dir of ['examples', 'e2e-data']) {
    for (const file of fs.readdirSync(path.join(UPSTREAM, dir)).sort()) {
      if (!file.endsWith('.yaml')) continue;
      const text = fs.readFileSync(path.join(UPSTREAM, dir, file), 'utf8');
      for (const doc of YAML.parseAllDocuments(text)) {
        const value = doc.toJS() as { kind?: string } | null;
        if (value?.kind === 'FlinkDeployment')
          out.push({ file: `${dir}/${file}`, deployment: value as FlinkDeployment });
      }
    }
  }
  return out;
}

const cases = skip ? [] : manifests();

describe('generated objects of the upstream example FlinkDeployments', { timeout: 120_000, skip }, () => {
  let kc: k8s.KubeConfig;
  let api: k8s.KubernetesObjectApi;
  let ns: { name: string; remove: () => Promise<void> };

  before(async () => {
    kc = testKubeConfig();
    api = k8s.KubernetesObjectApi.makeApiClient(kc);
    ns = await createTestNamespace(kc, 'res');
  });
  after(async () => {
    await ns?.remove();
  });

  test('there are example FlinkDeployments to check', () => {
    assert.ok(cases.length >= 15, `found ${cases.length}`);
  });

  // Each manifest as written, and the same cluster in the other mode.
  const variants = cases.flatMap(({ file, deployment }) => {
    const other: 'native' | 'standalone' = deployment.spec.mode === 'standalone' ? 'native' : 'standalone';
    return [
      { file, manifest: deployment },
      { file: `${file} (${other})`, manifest: { ...deployment, spec: { ...deployment.spec, mode: other } } },
    ];
  });

  for (const { file, manifest } of variants) {
    test(`${file}: ${manifest.metadata.name}`, async () => {
      const deployment: FlinkDeployment = {
        ...manifest,
        metadata: {
          ...manifest.metadata,
          namespace: ns.name,
          uid: '00000000-0000-0000-0000-000000000001',
          generation: 1,
        },
      };
      const config = effectiveConfiguration(deployment, DEFAULT_OPERATOR_CONFIGURATION, {
        jobId: '0123456789abcdef0123456789abcdef',
        jobResultStoreId: 'r',
      });
      const objects = desiredObjects(deployment, config, {
        jobManagerDeploymentUid: '00000000-0000-0000-0000-000000000002',
      });

      const conf = parseConfigYaml(objects.configMaps[0]!.data!['config.yaml']!);
      assert.equal(conf['kubernetes.cluster-id'], deployment.metadata.name);
      assert.equal(conf['kubernetes.namespace'], ns.name);
      assert.equal(conf['kubernetes.container.image.ref'], deployment.spec.image);
      assert.ok(conf['jobmanager.memory.process.size'], 'JobManager memory');
      assert.ok(conf['taskmanager.memory.process.size'], 'TaskManager memory');
      assert.ok(
        !Object.keys(conf).some((k) => k.startsWith('kubernetes.operator.')),
        'no operator keys shipped',
      );
      if (deployment.spec.job)
        assert.equal(conf['$internal.pipeline.job-id'], '0123456789abcdef0123456789abcdef');

      const deployments = [objects.jobManagerDeployment, objects.taskManagerDeployment].filter(
        (d) => d !== undefined,
      );
      for (const d of deployments) {
        const containers = d.spec?.template.spec?.containers ?? [];
        const main = containers.find((c) => c.name === MAIN_CONTAINER_NAME);
        assert.ok(main, `${d.metadata?.name} has the main container`);
        assert.equal(main.image, deployment.spec.image);
        assert.ok(
          main.volumeMounts?.some(
            (m) => m.name === 'flink-config-volume' && m.mountPath === '/opt/flink/conf',
          ),
        );
      }

      for (const obj of allObjects(objects)) {
        const created = await api.create(obj as k8s.KubernetesObject, undefined, 'All');
        assert.equal(created.metadata?.name, obj.metadata?.name, `${obj.kind} accepted`);
      }
    });
  }
});
