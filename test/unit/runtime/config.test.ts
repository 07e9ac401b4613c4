import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseDurationMs } from '../../../src/runtime/config/duration.ts';
import {
  loadOperatorConfig,
  parseFlinkConfLines,
  parseStandardYaml,
} from '../../../src/runtime/config/loader.ts';
import {
  OperatorConfig,
  prometheusPort,
  watchedNamespaces,
} from '../../../src/runtime/config/operator-config.ts';
import { RuntimeOptions } from '../../../src/runtime/config/options.ts';
import { ConfigReloader } from '../../../src/runtime/config/reloader.ts';

test('durations in Flink and ISO-8601 forms', () => {
  const cases: [string, number][] = [
    ['5 s', 5000],
    ['1 min', 60_000],
    ['60s', 60_000],
    ['PT1M', 60_000],
    ['PT0.5S', 500],
    ['P1DT2H', 93_600_000],
    ['5 MINUTE', 300_000],
    ['500', 500],
    ['250 ms', 250],
    ['2 h', 7_200_000],
    ['1 d', 86_400_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDurationMs(text), ms, text);
  assert.throws(() => parseDurationMs('five seconds'), /not a duration/);
  assert.throws(() => parseDurationMs('5 fortnights'), /unknown time unit/);
  assert.throws(() => parseDurationMs('PT'), /not a duration/);
});

test('typed options fall back to deprecated keys, then to upstream defaults', () => {
  const empty = new OperatorConfig();
  assert.equal(empty.get(RuntimeOptions.reconcileInterval), 60_000);
  assert.equal(empty.get(RuntimeOptions.reconcileParallelism), 50);
  assert.equal(empty.get(RuntimeOptions.retryIntervalMultiplier), 1.5);
  assert.equal(empty.get(RuntimeOptions.retryMaxAttempts), 15);
  assert.equal(empty.get(RuntimeOptions.healthProbePort), 8085);
  assert.equal(empty.get(RuntimeOptions.retryMaxInterval), undefined);
  const old = new OperatorConfig({ 'kubernetes.operator.reconciler.reschedule.interval': '15 s' });
  assert.equal(old.get(RuntimeOptions.reconcileInterval), 15_000);
  const both = old.with({ 'kubernetes.operator.reconcile.interval': '30s' });
  assert.equal(both.get(RuntimeOptions.reconcileInterval), 30_000);
  assert.throws(
    () =>
      new OperatorConfig({ 'kubernetes.operator.leader-election.enabled': 'yes' }).get(
        RuntimeOptions.leaderElectionEnabled,
      ),
    /invalid value for kubernetes.operator.leader-election.enabled/,
  );
});

test('watched namespaces: a list, or all for empty and the upstream sentinel', () => {
  const ns = (v: string) =>
    watchedNamespaces(new OperatorConfig({ 'kubernetes.operator.watched.namespaces': v }));
  assert.equal(watchedNamespaces(new OperatorConfig()), 'all');
  assert.equal(ns(''), 'all');
  assert.equal(ns('JOSDK_ALL_NAMESPACES'), 'all');
  assert.deepEqual(ns(' a, b ,a,'), ['a', 'b']);
});

test('the Prometheus reporter is found as the upstream chart configures it', () => {
  const prefix = 'kubernetes.operator.metrics.reporter';
  assert.equal(prometheusPort(new OperatorConfig()), undefined);
  assert.equal(
    prometheusPort(
      new OperatorConfig({
        [`${prefix}.prom.factory.class`]: 'org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
        [`${prefix}.prom.port`]: '9999',
      }),
    ),
    9999,
  );
  assert.equal(
    prometheusPort(
      new OperatorConfig({
        [`${prefix}.p.class`]: 'org.apache.flink.metrics.prometheus.PrometheusReporter',
        [`${prefix}.p.port`]: '9250-9260',
      }),
    ),
    9250,
  );
  assert.equal(
    prometheusPort(
      new OperatorConfig({
        [`${prefix}.slf4j.factory.class`]: 'org.apache.flink.metrics.slf4j.Slf4jReporterFactory',
      }),
    ),
    undefined,
  );
});

test('both file formats parse to flat keys', () => {
  assert.deepEqual(
    parseFlinkConfLines(
      '# comment\nkubernetes.operator.reconcile.interval: 15 s\nbad line\nurl: http://x:80 # trailing\n',
    ),
    { 'kubernetes.operator.reconcile.interval': '15 s', url: 'http://x:80' },
  );
  assert.deepEqual(
    parseStandardYaml(
      'kubernetes:\n  operator:\n    reconcile.interval: 15 s\n    leader-election:\n      enabled: true\nlist: [a, b]\n',
    ),
    {
      'kubernetes.operator.reconcile.interval': '15 s',
      'kubernetes.operator.leader-election.enabled': 'true',
      list: 'a,b',
    },
  );
});

test('loading prefers config.yaml in FLINK_CONF_DIR; FLINK_PROPERTIES overrides; reload notifies', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'opconf-'));
  try {
    await fsp.writeFile(path.join(dir, 'flink-conf.yaml'), 'kubernetes.operator.reconcile.interval: 1 min\n');
    const env = { FLINK_CONF_DIR: dir };
    assert.equal((await loadOperatorConfig({ env })).get(RuntimeOptions.reconcileInterval), 60_000);
    await fsp.writeFile(
      path.join(dir, 'config.yaml'),
      'kubernetes.operator.reconcile.interval: 15 s\nkubernetes.operator.retry.max.attempts: 3\n',
    );
    const config = await loadOperatorConfig({
      env: { ...env, FLINK_PROPERTIES: 'kubernetes.operator.retry.max.attempts: 7' },
    });
    assert.equal(config.get(RuntimeOptions.reconcileInterval), 15_000);
    assert.equal(config.get(RuntimeOptions.retryMaxAttempts), 7);
    assert.deepEqual(config.sources, [path.join(dir, 'config.yaml'), 'env FLINK_PROPERTIES']);

    const explicit = path.join(dir, 'other.yaml');
    await fsp.writeFile(explicit, 'kubernetes.operator.reconcile.parallelism: 4\n');
    const source = { configFile: explicit, env: {} };
    const reloader = new ConfigReloader(source, await loadOperatorConfig(source));
    const seen: string[][] = [];
    reloader.subscribe((_next, _prev, changed) => seen.push(changed));
    assert.equal(await reloader.check(), false);
    await fsp.writeFile(explicit, 'kubernetes.operator.reconcile.parallelism: 8\n');
    assert.equal(await reloader.check(), true);
    assert.equal(reloader.current.get(RuntimeOptions.reconcileParallelism), 8);
    assert.deepEqual(seen, [['kubernetes.operator.reconcile.parallelism']]);
    await fsp.writeFile(explicit, 'kubernetes: [unclosed\n');
    assert.equal(await reloader.check(), false, 'a broken file keeps the current config');
    assert.equal(reloader.current.get(RuntimeOptions.reconcileParallelism), 8);
    await assert.rejects(
      loadOperatorConfig({ configFile: path.join(dir, 'missing.yaml') }),
      /does not exist/,
    );
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
