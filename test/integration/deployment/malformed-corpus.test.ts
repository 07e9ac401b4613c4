/**
 * A generated corpus of malformed FlinkDeployments against the real API server and the operator:
 * every object the API server admits must end with a readable status and a Warning Event, and the
 * operator must keep running. `CORPUS_SIZE` sets the size (200 by default; `npm run test:chaos`
 * runs 1,000). The image cannot be pulled on the local node, so an object that is valid after all
 * fails there, with its own Warning, instead of starting a JVM.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { installCrds } from '../../../src/api/index.ts';
import { createOperator } from '../../../src/operator.ts';
import { ALL_OPTIONS } from '../../../src/options.ts';
import { OperatorConfig, createLogger, type Manager } from '../../../src/runtime/index.ts';
import { createTestNamespace, eventually, testKubeConfig } from '../../support/cluster.ts';

const SIZE = Number(process.env.CORPUS_SIZE ?? 200);
const group = 'flink.apache.org';
const version = 'v1beta1';
type Json = Record<string, unknown>;

const kc = testKubeConfig();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const core = kc.makeApiClient(k8s.CoreV1Api);
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let operator: Manager;
let fatal: unknown;

/** A small seeded generator, so that a failing object can be regenerated from its name. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

const NONSENSE = ['soon', '-1', '', 'true?', '1e999', '{{', 'NaN', '12 parsecs', '[]', 'yes please'];
const OPERATOR_KEYS = ALL_OPTIONS.map((o) => o.key).filter((k) => k.startsWith('kubernetes.operator.'));

/** Each mutation breaks one thing a user can get wrong. */
const MUTATIONS: Array<(spec: Json, r: ReturnType<typeof random>) => void> = [
  (s, r) => ((s.flinkConfiguration as Json)[r.pick(OPERATOR_KEYS)] = r.pick(NONSENSE)),
  (s, r) =>
    ((s.jobManager as Json).resource = { memory: r.pick(['-1g', '0', 'abc', '1e400', '-5Mi']), cpu: 1 }),
  (s, r) => ((s.taskManager as Json).resource = { memory: '1g', cpu: r.pick([-1, 0, -0.5]) }),
  (s, r) => ((s.job as Json).parallelism = r.pick([0, -5, 1e12, 2 ** 31, 32_769])),
  (s, r) =>
    (s.ingress = { template: r.pick(['{{{{', 'a b.example.com', 'UPPER.example.com', '-x-.example.com']) }),
  (s, r) => (s.flinkVersion = r.pick(['v1_13', 'v1_14'])),
  (s) => ((s.job as Json).upgradeMode = 'savepoint'),
  (s, r) => (s.logConfiguration = { [r.pick(['log4j.xml', 'logback.properties', 'x'])]: 'y' }),
  (s, r) =>
    ((s.flinkConfiguration as Json)['kubernetes.rest-service.exposed.type'] = r.pick([
      'Bogus',
      'External',
      '',
    ])),
  (s) => delete s.serviceAccount,
  (s) => delete (s.job as Json).jarURI,
  (s, r) => ((s.jobManager as Json).replicas = r.pick([0, -1, 2])),
  (s, r) => {
    s.mode = 'standalone';
    (s.taskManager as Json).replicas = r.pick([0, 100_000]);
  },
  (s, r) =>
    (s.flinkConfiguration = {
      ...(s.flinkConfiguration as Json),
      'kubernetes.operator.periodic.savepoint.interval': r.pick(['every day', '-1 h', 'soon']),
    }),
];

function corpusObject(index: number): Json {
  const r = random(index * 2654435761);
  const spec: Json = {
    image: 'registry.invalid/flink:none',
    flinkVersion: 'v2_2',
    serviceAccount: 'default',
    flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '1' },
    jobManager: { resource: { memory: '1024m', cpu: 0.5 } },
    taskManager: { resource: { memory: '1024m', cpu: 0.5 } },
    job: {
      jarURI: 'local:///opt/flink/examples/streaming/WordCount.jar',
      parallelism: 1,
      upgradeMode: 'stateless',
    },
  };
  const count = 1 + Math.floor(r.next() * 3);
  for (let i = 0; i < count; i++) r.pick(MUTATIONS)(spec, r);
  return {
    apiVersion: `${group}/${version}`,
    kind: 'FlinkDeployment',
    metadata: { name: `bad-${index}` },
    spec,
  };
}

before(async () => {
  await installCrds(kc);
  ns = await createTestNamespace(kc, 'corpus');
  operator = createOperator({
    kubeconfig: process.env.FLINK_OPERATOR_TEST_KUBECONFIG!,
    config: new OperatorConfig({
      'kubernetes.operator.watched.namespaces': ns.name,
      'kubernetes.operator.rest.address-resolution': 'pod-ip',
    }),
    log: createLogger({ level: 'silent' }),
    healthPort: 0,
    metricsPort: 0,
  });
  await operator.start();
  operator.done.catch((err: unknown) => (fatal = err));
});

after(async () => {
  await operator.stop();
  await ns.remove();
});

test(`${SIZE} malformed FlinkDeployments: each admitted one ends with a status and a Warning, the operator keeps running`, async (t) => {
  const admitted: string[] = [];
  let refused = 0;
  for (let i = 0; i < SIZE; i++) {
    const body = corpusObject(i);
    try {
      await custom.createNamespacedCustomObject({
        group,
        version,
        namespace: ns.name,
        plural: 'flinkdeployments',
        body,
      });
      admitted.push(String((body.metadata as Json).name));
    } catch (err) {
      // The CRD schema refused it (an enum, a type): the user sees that at `kubectl apply`.
      if ((err as { code?: number }).code !== 422) throw err;
      refused++;
    }
  }
  const started = Date.now();
  const silent = await eventually(
    async () => {
      const list = (await custom.listNamespacedCustomObject({
        group,
        version,
        namespace: ns.name,
        plural: 'flinkdeployments',
      })) as { items: Array<{ metadata: { name: string }; status?: { error?: string } }> };
      const warned = new Set(
        (await core.listNamespacedEvent({ namespace: ns.name })).items
          .filter((e) => e.type === 'Warning')
          .map((e) => e.involvedObject.name),
      );
      const withStatus = new Set(list.items.filter((d) => d.status?.error).map((d) => d.metadata.name));
      const missing = admitted.filter((name) => !withStatus.has(name) || !warned.has(name));
      return missing.length === 0 ? missing : undefined;
    },
    {
      what: 'every admitted object with a status error and a Warning',
      timeoutMs: 180_000,
      intervalMs: 1_000,
    },
  ).catch(async (err: unknown) => {
    throw new Error(`${String(err)}`);
  });
  t.diagnostic(
    `${admitted.length} admitted, ${refused} refused by the schema; all with status and Warning after ${Date.now() - started} ms`,
  );
  assert.deepEqual(silent, []);
  assert.ok(admitted.length >= SIZE / 2, `most of the corpus is admitted (${admitted.length})`);
  assert.equal(fatal, undefined, 'the operator did not stop');
});
