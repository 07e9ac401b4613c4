import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlinkDeployment } from '../../../src/api/index.ts';
import { withMemoryTuning, withOverrides } from '../../../src/autoscaler/autoscaler.ts';
import { decide, type DecisionInput } from '../../../src/autoscaler/decide.ts';
import { deserializeState, serializeState } from '../../../src/autoscaler/store.ts';
import { EMPTY_STATE } from '../../../src/autoscaler/types.ts';
import { diffSpecs } from '../../../src/controllers/deployment/spec-diff.ts';
import { effectiveConfiguration } from '../../../src/flink/config/effective.ts';
import { pipeline, series, settings, type VertexModel } from './series.ts';

const MiB = 2 ** 20;
const T0 = 1_700_000_000_000;

function deployment(taskManager: FlinkDeployment['spec']['taskManager']): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'd', namespace: 'ns' },
    spec: {
      flinkVersion: 'v2_2',
      flinkConfiguration: {
        'job.autoscaler.enabled': 'true',
        'job.autoscaler.memory.tuning.enabled': 'true',
        'taskmanager.numberOfTaskSlots': '2',
        'taskmanager.memory.managed.size': '1g',
      },
      jobManager: { resource: { memory: '1g', cpu: 1 } },
      taskManager,
      job: { jarURI: 'local:///x.jar', upgradeMode: 'savepoint' },
    },
  };
}

/** A job under 5000 records/s on one subtask per vertex, its TaskManagers using 500 MiB of heap. */
function decisionInput(d: FlinkDeployment, options: Record<string, string>): DecisionInput {
  const models: [VertexModel, VertexModel, VertexModel] = [
    { id: 'source', parallelism: 1, capacity: 1000 },
    { id: 'keyed', parallelism: 1, capacity: 1000 },
    { id: 'sink', parallelism: 1, capacity: 1000 },
  ];
  const samples = series(models, { rate: 5000, start: T0, stepMs: 60_000, count: 6 }).map((s) => ({
    ...s,
    global: { heapUsedBytes: 500 * MiB, metaspaceUsedBytes: 80 * MiB, managedUsedBytes: 0, slotsUsed: 1 },
  }));
  return {
    settings: settings({ 'job.autoscaler.scale-down.interval': '0', ...options }),
    topology: pipeline(...models),
    samples,
    state: structuredClone(EMPTY_STATE),
    now: samples.at(-1)!.time,
    taskManager: { cpu: 1, memoryBytes: 4096 * MiB, slots: 2 },
    flinkConfig: effectiveConfiguration(d, {}),
  };
}

describe('applying memory tuning', () => {
  const d = deployment({ resource: { memory: '4g', cpu: 1 } });

  test('a scaling decision tunes the memory, records a recommendation and keeps the changes in the state', () => {
    const decision = decide(decisionInput(d, { 'job.autoscaler.memory.tuning.enabled': 'true' }));
    assert.ok(decision.scaled.source, 'the job scales up');
    const tuning = decision.state.configOverrides;
    assert.ok(tuning);
    assert.ok(tuning.processMemoryBytes < 2048 * MiB, `${tuning.processMemoryBytes / MiB} MiB`);
    assert.equal(tuning.overrides['taskmanager.memory.managed.fraction'], '0.0');
    const event = decision.events.find((e) => e.reason === 'Configuration recommendation');
    assert.ok(event);
    assert.match(event.message, /automatic tuning is enabled/);
    // The state round-trips through the ConfigMap.
    assert.deepEqual(deserializeState(serializeState(decision.state)).configOverrides, tuning);
  });

  test('with tuning off the recommendation is still an Event, but nothing is kept', () => {
    const decision = decide(decisionInput(d, { 'job.autoscaler.memory.tuning.enabled': 'false' }));
    assert.ok(decision.scaled.source);
    assert.equal(decision.state.configOverrides, undefined);
    const event = decision.events.find((e) => e.reason === 'Configuration recommendation');
    assert.match(event!.message, /automatic tuning is disabled/);
  });

  test('the memory quota is checked against the tuned TaskManagers', () => {
    // 5 subtasks on 2-slot TaskManagers: 3 TaskManagers, 12g as specified, far less tuned.
    const quota = { 'job.autoscaler.quota.memory': '8g' };
    const untuned = decide(decisionInput(d, { ...quota, 'job.autoscaler.memory.tuning.enabled': 'false' }));
    assert.ok(untuned.events.some((e) => e.reason === 'ResourceQuotaReached'));
    const tuned = decide(decisionInput(d, { ...quota, 'job.autoscaler.memory.tuning.enabled': 'true' }));
    assert.ok(tuned.scaled.source);
  });

  test('the merged resource carries the tuned memory, and the planner sees an upgrade', () => {
    const decision = decide(decisionInput(d, { 'job.autoscaler.memory.tuning.enabled': 'true' }));
    const tuning = decision.state.configOverrides!;
    const merged = withMemoryTuning(withOverrides(d, decision.state.parallelismOverrides), tuning);
    assert.equal(merged.spec.taskManager!.resource!.memory, String(tuning.processMemoryBytes));
    const config = merged.spec.flinkConfiguration!;
    assert.equal(config['taskmanager.memory.managed.size'], undefined, 'the user managed size gives way');
    assert.equal(config['taskmanager.memory.jvm-metaspace.size'], '96 mb');
    assert.ok(config['pipeline.jobvertex-parallelism-overrides']);
    // The stored resource is untouched.
    assert.equal(d.spec.taskManager!.resource!.memory, '4g');
    assert.equal(d.spec.flinkConfiguration!['taskmanager.memory.managed.size'], '1g');
    // Flink runs the TaskManager with the tuned process size.
    assert.equal(
      effectiveConfiguration(merged, {})['taskmanager.memory.process.size'],
      `${tuning.processMemoryBytes} bytes`,
    );

    const diff = diffSpecs(withOverrides(d, {}).spec, merged.spec);
    assert.equal(diff.type, 'UPGRADE');
    assert.ok(diff.changes.some((c) => c.startsWith('taskManager:')));
    assert.ok(diff.changes.some((c) => c.startsWith('flinkConfiguration.taskmanager.memory.')));
    // Parallelism overrides alone would have been a rescale.
    assert.equal(diffSpecs(d.spec, withOverrides(d, decision.state.parallelismOverrides).spec).type, 'SCALE');
  });

  test('TaskManager resources: the request takes the tuned size and the limit keeps its ratio', () => {
    const withResources = deployment({
      resources: { requests: { memory: '4Gi' }, limits: { memory: '6Gi' } },
    });
    const tuning = { overrides: {}, removals: [], processMemoryBytes: 2000 * MiB };
    const merged = withMemoryTuning(withResources, tuning);
    assert.equal(merged.spec.taskManager!.resources!.requests!.memory, String(2000 * MiB));
    assert.equal(merged.spec.taskManager!.resources!.limits!.memory, String(3000 * MiB));
    const limitOnly = withMemoryTuning(deployment({ resources: { limits: { memory: '4Gi' } } }), tuning);
    assert.equal(limitOnly.spec.taskManager!.resources!.limits!.memory, String(2000 * MiB));
    // Memory from the configuration only: the tuned process size there sizes the TaskManager.
    const configured = withMemoryTuning(deployment({ resource: { cpu: 1 } }), {
      overrides: { 'taskmanager.memory.process.size': '2000 mb' },
      removals: [],
      processMemoryBytes: 2000 * MiB,
    });
    assert.deepEqual(configured.spec.taskManager, { resource: { cpu: 1 } });
    assert.equal(effectiveConfiguration(configured, {})['taskmanager.memory.process.size'], '2000 mb');
  });
});
