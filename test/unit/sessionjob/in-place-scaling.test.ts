import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inPlaceScalingConfigured } from '../../../src/controllers/common/in-place-scaling.ts';
import { OperatorConfig } from '../../../src/runtime/index.ts';

test('a session job rescales in place only when its cluster, not its own configuration, runs the adaptive scheduler', () => {
  const adaptive = new OperatorConfig({ 'jobmanager.scheduler': 'adaptive' });
  const defaultScheduler = new OperatorConfig({});
  // The job's merged configuration claims adaptive; the cluster does not run it.
  assert.equal(inPlaceScalingConfigured(adaptive, defaultScheduler), false);
  assert.equal(inPlaceScalingConfigured(defaultScheduler, adaptive), true);
  const off = new OperatorConfig({ 'kubernetes.operator.job.upgrade.inplace-scaling.enabled': 'false' });
  assert.equal(inPlaceScalingConfigured(off, adaptive), false, 'the resource may switch it off');
  assert.equal(inPlaceScalingConfigured(adaptive), true, 'a deployment is its own cluster');
});
