/**
 * A Manager given a fixed configuration (tests, embedders) keeps it: with no source to re-read,
 * the dynamic reload must not swap it for the defaults (which dropped the watched namespaces and
 * every other setting after the first check interval).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OperatorConfig } from '../../../src/runtime/index.ts';
import { Manager } from '../../../src/runtime/manager.ts';
import { testKubeConfig } from '../../support/cluster.ts';
import { quietLog } from './support.ts';

test('a fixed configuration survives many dynamic-config check intervals', async () => {
  const manager = new Manager({
    kubeConfig: testKubeConfig(),
    config: new OperatorConfig({
      'kubernetes.operator.dynamic.config.enabled': 'true',
      'kubernetes.operator.dynamic.config.check.interval': '20 ms',
      'kubernetes.operator.watched.namespaces': 'fixed-ns',
      'kubernetes.operator.rest.address-resolution': 'pod-ip',
    }),
    log: quietLog(),
    healthPort: 0,
    metricsPort: 0,
    host: '127.0.0.1',
  });
  await manager.start();
  try {
    // A property that must hold over time: look after 25 check intervals (a reload takes one).
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(manager.config.raw('kubernetes.operator.watched.namespaces'), 'fixed-ns');
    assert.equal(manager.config.raw('kubernetes.operator.rest.address-resolution'), 'pod-ip');
  } finally {
    await manager.stop();
  }
});
