import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResourceMemory } from '../../../src/flink/config/memory.ts';
import { AutoscalerOptions, autoscalerSettings } from '../../../src/autoscaler/options.ts';
import { OperatorConfig } from '../../../src/runtime/index.ts';

const OLD = 'kubernetes.operator.job.autoscaler.';
const NEW = 'job.autoscaler.';

test('every key is also read under its older kubernetes.operator.job.autoscaler spelling', () => {
  for (const option of Object.values(AutoscalerOptions)) {
    assert.ok(
      option.deprecatedKeys.includes(OLD + option.key.slice(NEW.length)),
      `${option.key} lacks ${OLD}${option.key.slice(NEW.length)}`,
    );
  }
  const settings = autoscalerSettings(
    new OperatorConfig({
      [`${OLD}enabled`]: 'true',
      [`${OLD}scaling.enabled`]: 'false',
      [`${OLD}utilization.max`]: '0.9',
      [`${OLD}utilization.min`]: '0.2',
      [`${OLD}metrics.busy-time.aggregator`]: 'avg',
      [`${OLD}vertex.exclude.ids`]: 'a;b',
      [`${OLD}quota.cpu`]: '8',
      [`${OLD}quota.memory`]: '16g',
      [`${OLD}scaling.parallelism-alignment.mode`]: 'evenly_spread',
      [`${OLD}scaling.effectiveness.detection.enabled`]: 'true',
    }),
    parseResourceMemory,
  );
  assert.equal(settings.enabled, true);
  assert.equal(settings.scalingEnabled, false);
  assert.equal(settings.utilizationMax, 0.9);
  assert.equal(settings.utilizationMin, 0.2);
  assert.equal(settings.busyTimeAggregator, 'AVG');
  assert.deepEqual(settings.excludedVertices, ['a', 'b']);
  assert.equal(settings.quotaCpu, 8);
  assert.equal(settings.quotaMemoryBytes, 16 * 2 ** 30);
  assert.equal(settings.alignmentMode, 'EVENLY_SPREAD');
  assert.equal(settings.effectivenessDetectionEnabled, true);
});

test('the current spelling wins over the older one', () => {
  const config = new OperatorConfig({ [`${NEW}enabled`]: 'false', [`${OLD}enabled`]: 'true' });
  assert.equal(autoscalerSettings(config, parseResourceMemory).enabled, false);
});

test('an unknown aggregator or alignment mode is an error, not a silent default', () => {
  for (const [key, value] of [
    ['metrics.busy-time.aggregator', 'P99'],
    ['scaling.parallelism-alignment.mode', 'CUSTOM'],
  ]) {
    const config = new OperatorConfig({ [`${NEW}${key}`]: value! });
    assert.throws(() => autoscalerSettings(config, parseResourceMemory), new RegExp(`${NEW}${key}`));
  }
});
