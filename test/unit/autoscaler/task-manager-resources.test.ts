import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FlinkDeployment } from '../../../src/api/index.ts';
import { taskManagerResources } from '../../../src/autoscaler/task-manager-resources.ts';
import { effectiveConfiguration } from '../../../src/flink/config/effective.ts';

const GiB = 2 ** 30;

/** The TaskManager resources of `c` as the autoscaler reads them: from its effective configuration. */
const clusterTaskManagerResources = (c: FlinkDeployment, operatorConfig: Record<string, string>) =>
  taskManagerResources(effectiveConfiguration(c, operatorConfig));

function cluster(spec: Partial<FlinkDeployment['spec']>): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'c', namespace: 'ns' },
    spec: { flinkVersion: 'v1_20', ...spec },
  };
}

test('cpu and process memory come from the resource section the operator turns into Flink keys', () => {
  const c = cluster({
    flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '4' },
    taskManager: { resource: { cpu: 2, memory: '4g' } },
  });
  assert.deepEqual(clusterTaskManagerResources(c, {}), { cpu: 2, memoryBytes: 4 * GiB, slots: 4 });
});

test('without memory in the spec, the configured process size counts', () => {
  const c = cluster({
    flinkConfiguration: { 'taskmanager.memory.process.size': '3g' },
    taskManager: { resource: { cpu: 1 } },
  });
  assert.equal(clusterTaskManagerResources(c, {}).memoryBytes, 3 * GiB);
  const fromOperator = cluster({ taskManager: { resource: { cpu: 1 } } });
  assert.equal(
    clusterTaskManagerResources(fromOperator, { 'taskmanager.memory.process.size': '1536m' }).memoryBytes,
    1536 * 2 ** 20,
  );
});

test('resource requests size the TaskManager too', () => {
  const c = cluster({
    taskManager: { resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '3Gi' } } },
  });
  const tm = clusterTaskManagerResources(c, {});
  assert.equal(tm.cpu, 0.5);
  assert.equal(tm.memoryBytes, 2 * GiB);
});

test('an unset cpu is one per slot, as Flink sizes the pod; unknown memory is 0', () => {
  assert.deepEqual(taskManagerResources({ 'taskmanager.numberOfTaskSlots': '3' }), {
    cpu: 3,
    memoryBytes: 0,
    slots: 3,
  });
  assert.equal(taskManagerResources({ 'kubernetes.taskmanager.cpu.amount': '-1.0' }).cpu, 1);
  assert.equal(taskManagerResources({ 'kubernetes.taskmanager.cpu': '1.5' }).cpu, 1.5);
});
