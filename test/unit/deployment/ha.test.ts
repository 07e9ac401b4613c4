import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHaConfigMap } from '../../../src/controllers/deployment/observe.ts';

const cm = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels: { app: 'job', ...labels } },
});

test('HA ConfigMaps are told apart by name: Flink 2.x labels them only with app and type', () => {
  assert.equal(isHaConfigMap(cm('job-cluster-config-map'), 'job'), true);
  assert.equal(isHaConfigMap(cm('job-0123456789abcdef0123456789abcdef-config-map'), 'job'), true);
  assert.equal(
    isHaConfigMap(cm('job-resourcemanager-leader', { 'configmap-type': 'high-availability' }), 'job'),
    true,
  );
  assert.equal(isHaConfigMap(cm('flink-config-job'), 'job'), false, 'the cluster configuration');
  assert.equal(isHaConfigMap(cm('pod-template-job'), 'job'), false);
  assert.equal(isHaConfigMap(cm('job-autoscaler-config-map', { component: 'autoscaler' }), 'job'), false);
  assert.equal(
    isHaConfigMap(cm('jobx-cluster-config-map'), 'job'),
    false,
    'another cluster whose name starts alike',
  );
});
