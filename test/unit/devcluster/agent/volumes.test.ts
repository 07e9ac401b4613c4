import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { materializeVolumes } from '../../../../src/devcluster/agent/volumes.ts';

test('Secrets and service-account tokens are readable by the owner only; ConfigMaps by all', async () => {
  const podDir = fs.mkdtempSync(path.join(os.tmpdir(), 'volumes-'));
  try {
    const pod: V1Pod = {
      metadata: { name: 'p', namespace: 'ns' },
      spec: {
        serviceAccountName: 'flink',
        containers: [],
        volumes: [
          { name: 'conf', configMap: { name: 'cm' } },
          { name: 'creds', secret: { secretName: 's' } },
          {
            name: 'token',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt' } },
              ],
            },
          },
        ],
      },
    };
    const folders = await materializeVolumes({
      pod,
      podDir,
      claimsDir: path.join(podDir, 'claims'),
      data: {
        configMap: async () => ({ 'config.yaml': 'a: 1' }),
        secret: async () => ({ password: 'hunter2' }),
      },
      tokens: { token: async () => 'eyJ.token' },
      rootCa: 'CA',
    });
    const mode = (file: string) => fs.statSync(file).mode & 0o777;
    assert.equal(mode(path.join(folders.get('conf')!, 'config.yaml')), 0o644);
    assert.equal(mode(folders.get('creds')!), 0o700);
    assert.equal(mode(path.join(folders.get('creds')!, 'password')), 0o600);
    assert.equal(mode(folders.get('token')!), 0o700);
    assert.equal(mode(path.join(folders.get('token')!, 'token')), 0o600);
    assert.equal(fs.readFileSync(path.join(folders.get('token')!, 'token'), 'utf8'), 'eyJ.token');
  } finally {
    fs.rmSync(podDir, { recursive: true, force: true });
  }
});
