/**
 * The chart with values files written for the Apache Flink Kubernetes Operator chart: its default
 * values (test/fixtures/apache-chart/values.yaml) and a typical override render what this operator
 * runs, the API server accepts the result, and every Apache value the operator cannot honour fails
 * the install naming the value. Unknown keys fail through values.schema.json.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type {
  V1ConfigMap,
  V1Deployment,
  V1RoleBinding,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import YAML from 'yaml';
import { OperatorConfig, RuntimeOptions, watchedNamespaces } from '../../../src/runtime/index.ts';
import { parseStandardYaml } from '../../../src/runtime/config/loader.ts';
import { binaryPath } from '../../../src/devcluster/versions.ts';
import { createTestNamespace, testKubeConfig } from '../../support/cluster.ts';
import {
  CHART,
  REPO,
  helm,
  helmError,
  parseObjects,
  renderValues,
  templateArgs,
  type RenderedObject,
} from './support.ts';

const run = promisify(execFile);
const APACHE_VALUES = path.join(REPO, 'test', 'fixtures', 'apache-chart', 'values.yaml');
const OUR_IMAGE = 'image.repository=ghcr.io/flink-operator/flink-operator';
const kc = testKubeConfig();
const kubeconfig = process.env.FLINK_OPERATOR_TEST_KUBECONFIG!;
const namespaces: Awaited<ReturnType<typeof createTestNamespace>>[] = [];
let workDir: string;

before(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-apache-'));
  for (const prefix of ['chart-ops', 'chart-team-a', 'chart-team-b']) {
    namespaces.push(await createTestNamespace(kc, prefix));
  }
});

after(async () => {
  await Promise.all(namespaces.map((n) => n.remove()));
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

const find = (objects: RenderedObject[], kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

function deploymentOf(objects: RenderedObject[]): V1Deployment {
  const deployments = find(objects, 'Deployment');
  assert.equal(deployments.length, 1);
  return deployments[0] as unknown as V1Deployment;
}

function configOf(objects: RenderedObject[]): OperatorConfig {
  const map = find(objects, 'ConfigMap', 'flink-operator-config')[0] as unknown as V1ConfigMap | undefined;
  assert.ok(map, 'the ConfigMap is named flink-operator-config, as the Apache chart names it');
  return new OperatorConfig(parseStandardYaml(map.data!['config.yaml']!));
}

/** Mount paths of the operator container; each must be there once for the API server to accept it. */
function mountsOf(deployment: V1Deployment): V1VolumeMount[] {
  const mounts = deployment.spec!.template.spec!.containers[0]!.volumeMounts ?? [];
  const paths = mounts.map((m) => m.mountPath);
  assert.deepEqual(paths, [...new Set(paths)], `one mount per path: ${paths.join(', ')}`);
  const volumes = new Set((deployment.spec!.template.spec!.volumes ?? []).map((v) => v.name));
  for (const m of mounts) assert.ok(volumes.has(m.name), `mount ${m.name} has a volume`);
  return mounts;
}

const volumeOf = (deployment: V1Deployment, name: string): V1Volume | undefined =>
  deployment.spec!.template.spec!.volumes?.find((v) => v.name === name);

function writeValues(name: string, values: unknown): string {
  const file = path.join(workDir, name);
  fs.writeFileSync(file, YAML.stringify(values));
  return file;
}

/** `kubectl apply --dry-run=server` of rendered manifests: the API server's own validation. */
async function serverDryRun(manifests: string): Promise<string> {
  const file = path.join(workDir, `manifests-${Date.now()}.yaml`);
  fs.writeFileSync(file, manifests);
  const { stdout } = await run(binaryPath('kubectl'), [
    '--kubeconfig',
    kubeconfig,
    'apply',
    '--dry-run=server',
    '-f',
    file,
  ]);
  return stdout;
}

/** The Apache chart's usual override: watched namespaces, appended configuration, an artifacts volume. */
function typicalOverride(teamA: string, teamB: string) {
  return {
    watchNamespaces: [teamA, teamB],
    defaultConfiguration: {
      create: true,
      append: true,
      'flink-conf.yaml':
        'kubernetes.operator.reconcile.interval: 30 s\nkubernetes.operator.savepoint.history.max.count: 5\n',
      'log4j-operator.properties': '# more logging\nrootLogger.level = DEBUG\n',
    },
    operatorVolumeMounts: {
      create: true,
      data: [{ name: 'flink-artifacts', mountPath: '/opt/flink/artifacts' }],
    },
    operatorVolumes: {
      create: true,
      data: [{ name: 'flink-artifacts', persistentVolumeClaim: { claimName: 'flink-artifacts' } }],
    },
    postStart: { exec: { command: ['sh', '-c', 'echo started'] } },
  };
}

test("Apache's default values unchanged: the install fails on the Apache image alone, naming the image to use", async () => {
  const err = await helmError(...templateArgs('ops', [APACHE_VALUES], []));
  assert.match(err, /1 value\(s\) this operator cannot honour/);
  assert.match(
    err,
    /image\.repository: ghcr\.io\/apache\/flink-kubernetes-operator is the Apache operator's Java image; this chart runs ghcr\.io\/flink-operator\/flink-operator/,
  );
});

test("Apache's default values with our image: our operator, its configuration, one mount per path, accepted by the API server", async () => {
  const ns = namespaces[0]!.name;
  const manifests = await helm(...templateArgs(ns, [APACHE_VALUES], [OUR_IMAGE]));
  const objects = parseObjects(manifests);

  const deployment = deploymentOf(objects);
  const container = deployment.spec!.template.spec!.containers[0]!;
  // Apache's tag value (latest) is kept; the repository is ours, so are the arguments.
  assert.equal(container.image, 'ghcr.io/flink-operator/flink-operator:latest');
  assert.deepEqual(container.args, ['run', '--webhook']);
  assert.equal(deployment.spec!.template.spec!.containers.length, 1, 'no webhook container');
  assert.equal(container.livenessProbe?.initialDelaySeconds, 30, "Apache's liveness delay");
  assert.equal(container.startupProbe?.periodSeconds, 10, "Apache's startup period");
  assert.equal(container.lifecycle, undefined);
  assert.equal(
    container.env?.find((e) => e.name === 'LOG_LEVEL'),
    undefined,
  );
  assert.equal(deployment.spec!.template.spec!.securityContext?.runAsUser, 9999);

  const mounts = mountsOf(deployment);
  assert.deepEqual(mounts.map((m) => m.mountPath).sort(), [
    '/opt/flink-operator/conf',
    '/opt/flink/artifacts',
    '/tmp',
  ]);
  assert.equal(volumeOf(deployment, 'operator-config')?.configMap?.name, 'flink-operator-config');

  const config = configOf(objects);
  assert.equal(watchedNamespaces(config), 'all');
  assert.equal(config.get(RuntimeOptions.reconcileInterval), 15_000);
  assert.equal(config.get(RuntimeOptions.healthProbePort), 8085);

  assert.match(
    await serverDryRun(manifests),
    /deployment\.apps\/ops-flink-operator created \(server dry run\)/,
  );
});

test("the install notes say that the Apache defaults' slf4j metric reporter is not started", async () => {
  const ns = namespaces[0]!.name;
  const out = await helm(
    'install',
    'ops',
    CHART,
    '--namespace',
    ns,
    '--kubeconfig',
    kubeconfig,
    '--dry-run=server',
    '--values',
    APACHE_VALUES,
    '--set',
    OUR_IMAGE,
  );
  const notes = out.slice(out.indexOf('NOTES:'));
  assert.match(
    notes,
    /Configuration {2}ConfigMap flink-operator-config, mounted at \/opt\/flink-operator\/conf/,
  );
  assert.match(notes, /Watching {7}all namespaces/);
  assert.match(
    notes,
    /metric reporter\(s\) slf4j .*\nThe operator serves Prometheus reporters only; these are not started/,
  );
});

test('a typical override: namespaces and appended configuration in the ConfigMap, the artifacts volume mounted once, accepted by the API server', async () => {
  const [ops, teamA, teamB] = namespaces.map((n) => n.name) as [string, string, string];
  const override = writeValues('typical.yaml', typicalOverride(teamA, teamB));
  const manifests = await helm(...templateArgs(ops, [APACHE_VALUES, override], [OUR_IMAGE]));
  const objects = parseObjects(manifests);

  const deployment = deploymentOf(objects);
  const mounts = mountsOf(deployment);
  assert.deepEqual(
    mounts.filter((m) => m.mountPath === '/opt/flink/artifacts').map((m) => m.name),
    ['flink-artifacts'],
  );
  assert.equal(volumeOf(deployment, 'artifacts'), undefined, "the chart's own artifacts emptyDir is dropped");
  assert.equal(volumeOf(deployment, 'flink-artifacts')?.persistentVolumeClaim?.claimName, 'flink-artifacts');
  const container = deployment.spec!.template.spec!.containers[0]!;
  assert.equal(container.env?.find((e) => e.name === 'LOG_LEVEL')?.value, 'debug');
  assert.deepEqual(container.lifecycle?.postStart?.exec?.command, ['sh', '-c', 'echo started']);

  const config = configOf(objects);
  assert.deepEqual(watchedNamespaces(config), [teamA, teamB]);
  assert.equal(config.get(RuntimeOptions.reconcileInterval), 30_000, 'the override wins');
  assert.equal(config.raw('kubernetes.operator.savepoint.history.max.count'), '5', 'appended key present');
  assert.equal(
    config.raw('kubernetes.operator.observer.progress-check.interval'),
    '5 s',
    'built-in default kept',
  );

  assert.deepEqual(
    find(objects, 'Role', 'flink').map((r) => r.metadata.namespace),
    [teamA, teamB],
  );
  const out = await serverDryRun(manifests);
  assert.match(out, /deployment\.apps\/ops-flink-operator created \(server dry run\)/);
  assert.match(out, new RegExp(`rolebinding\\.rbac\\.authorization\\.k8s\\.io/flink-role-binding created`));
});

test("before the merge, Apache's artifacts mount beside the chart's is what the API server refuses", async () => {
  // The same pod with both mounts at one path, as the chart rendered it before: the API server
  // says so, which is why the chart merges mounts by path.
  const ns = namespaces[0]!.name;
  const override = writeValues('artifacts.yaml', {
    operatorVolumeMounts: typicalOverride('a', 'b').operatorVolumeMounts,
    operatorVolumes: typicalOverride('a', 'b').operatorVolumes,
  });
  const objects = await renderValues(ns, [APACHE_VALUES, override], OUR_IMAGE);
  const deployment = deploymentOf(objects);
  const spec = deployment.spec!.template.spec!;
  spec.containers[0]!.volumeMounts!.push({ name: 'artifacts', mountPath: '/opt/flink/artifacts' });
  spec.volumes!.push({ name: 'artifacts', emptyDir: {} });
  const refused = await serverDryRun(YAML.stringify(deployment)).then(
    () => '',
    (err: { stderr?: string }) => err.stderr ?? String(err),
  );
  assert.match(refused, /mountPath: Invalid value: "\/opt\/flink\/artifacts": must be unique/);
});

test('an unknown key fails the install naming the key; so does a value of the wrong type', async () => {
  const typo = await helmError(...templateArgs('ops', [], ['watchNamespce=x']));
  assert.match(typo, /additional properties 'watchNamespce' not allowed/);
  const nested = await helmError(
    ...templateArgs('ops', [APACHE_VALUES], [OUR_IMAGE, 'operatorPod.nodeSelectr.a=b']),
  );
  assert.match(nested, /operatorPod.*additional properties 'nodeSelectr' not allowed/s);
  const typed = await helmError(...templateArgs('ops', [], ['replicas=two']));
  assert.match(typed, /replicas.*(integer|got string)/s);
});

test('every Apache value the operator cannot honour fails the install, each named with its reason, all in one message', async () => {
  // A `--set` value, or values to write to a file (where the Apache file's null leaves --set no list to index).
  const refused: [string | object, RegExp][] = [
    ['jvmArgs.operator=-Xmx1g', /jvmArgs\.operator: "-Xmx1g": the operator is a Node\.js process, not a JVM/],
    [
      'jvmArgs.webhook=-Xmx256m',
      /jvmArgs\.webhook: "-Xmx256m": the webhook runs inside the operator's Node\.js process/,
    ],
    ['tls.create=true', /tls\.create: the operator has no keystore or truststore/],
    [
      'webhook.keystore.useDefaultPassword=false',
      /webhook\.keystore: the operator generates, renews and publishes/,
    ],
    ['webhook.keystore.pkcs12Profile=Modern2023', /webhook\.keystore:/],
    [
      'operatorPod.webhook.resources.limits.memory=1Gi',
      /operatorPod\.webhook\.resources: the webhook runs in the operator container/,
    ],
    [
      { operatorPod: { webhook: { container: { env: [{ name: 'A', value: 'b' }] } } } },
      /operatorPod\.webhook\.container\.env: .*use operatorPod\.env/,
    ],
    ['webhookSecurityContext.runAsUser=1', /webhookSecurityContext: .*use operatorSecurityContext/],
    ['logging.framework=logback', /logging\.framework: logback: the operator logs JSON lines/],
    [
      'defaultConfiguration.log4j-operator\\.properties=logger.operator.level = DEBUG',
      /defaultConfiguration\.log4j-operator\.properties: "logger\.operator\.level = DEBUG": the operator does not use log4j/,
    ],
    [
      'defaultConfiguration.log4j-console\\.properties=rootLogger.level = DEBUG',
      /defaultConfiguration\.log4j-console\.properties: .*spec\.logConfiguration\."log4j-console\.properties"/,
    ],
    [
      'defaultConfiguration.logback-console\\.xml=<configuration/>',
      /defaultConfiguration\.logback-console\.xml: /,
    ],
    [
      'defaultConfiguration.logback-operator\\.xml=<configuration/>',
      /defaultConfiguration\.logback-operator\.xml: the operator does not use logback/,
    ],
    [
      'defaultConfiguration.flink-conf\\.yaml=a: b: c',
      /defaultConfiguration\.flink-conf\.yaml is not valid YAML/,
    ],
  ];
  // Each case as `helm template` arguments on top of Apache's values file.
  const asArgs = (value: string | object, i: number): { files: string[]; sets: string[] } =>
    typeof value === 'string'
      ? { files: [], sets: [value] }
      : { files: [writeValues(`refused-${i}.yaml`, value)], sets: [] };
  const cases = refused.map(([value], i) => asArgs(value, i));
  for (const [i, [value, message]] of refused.entries()) {
    const { files, sets } = cases[i]!;
    const what = typeof value === 'string' ? value : JSON.stringify(value);
    const err = await helmError(...templateArgs('ops', [APACHE_VALUES, ...files], [OUR_IMAGE, ...sets]));
    assert.match(err, /1 value\(s\) this operator cannot honour/, what);
    assert.match(err, message, what);
  }
  const all = await helmError(
    ...templateArgs(
      'ops',
      [APACHE_VALUES, ...cases.flatMap((c) => c.files)],
      cases.flatMap((c) => c.sets),
    ),
  );
  // The two keystore values make one message; the Apache image makes one more.
  assert.match(all, new RegExp(`${refused.length} value\\(s\\) this operator cannot honour`));
});

test('volume mistakes fail naming the mount or volume: the configuration path, one path twice, a clashing or missing volume', async () => {
  const cases: [unknown, RegExp][] = [
    [
      {
        operatorVolumeMounts: { create: true, data: [{ name: 'x', mountPath: '/opt/flink-operator/conf' }] },
        operatorVolumes: { create: true, data: [{ name: 'x', emptyDir: {} }] },
      },
      /operatorVolumeMounts\.data: x is mounted at \/opt\/flink-operator\/conf, where the chart mounts the operator configuration/,
    ],
    [
      {
        operatorVolumeMounts: {
          create: true,
          data: [
            { name: 'a', mountPath: '/data' },
            { name: 'b', mountPath: '/data/' },
          ],
        },
        operatorVolumes: {
          create: true,
          data: [
            { name: 'a', emptyDir: {} },
            { name: 'b', emptyDir: {} },
          ],
        },
      },
      /operatorVolumeMounts\.data: two mounts at \/data \(a and b\)/,
    ],
    [
      { operatorVolumes: { create: true, data: [{ name: 'tmp', emptyDir: {} }] } },
      /operatorVolumes\.data: a volume named tmp exists already \(the chart's, mounted at \/tmp\)/,
    ],
    [
      // Apache's default mount turned on without its volume.
      { operatorVolumeMounts: { create: true } },
      /operatorVolumeMounts\.data: flink-artifacts at \/opt\/flink\/artifacts names no volume of the pod/,
    ],
  ];
  for (const [values, message] of cases) {
    const file = writeValues('volumes.yaml', values);
    const err = await helmError(...templateArgs('ops', [APACHE_VALUES, file], [OUR_IMAGE]));
    assert.match(err, message);
  }
  // A mount at /tmp replaces the chart's /tmp emptyDir.
  const tmp = writeValues('tmp.yaml', {
    operatorVolumeMounts: { create: true, data: [{ name: 'scratch', mountPath: '/tmp' }] },
    operatorVolumes: { create: true, data: [{ name: 'scratch', emptyDir: { medium: 'Memory' } }] },
  });
  const deployment = deploymentOf(await renderValues('ops', [APACHE_VALUES, tmp], OUR_IMAGE));
  assert.equal(mountsOf(deployment).find((m) => m.mountPath === '/tmp')?.name, 'scratch');
  assert.equal(volumeOf(deployment, 'tmp'), undefined);
});

test('webhook.validator / webhook.mutator decide each webhook when set, as in the Apache chart', async () => {
  const kinds = async (...sets: string[]) => {
    const objects = await renderValues('ops', [], ...sets);
    return {
      kinds: objects
        .filter((o) => o.kind.endsWith('WebhookConfiguration'))
        .map((o) => o.kind)
        .sort(),
      args: deploymentOf(objects).spec!.template.spec!.containers[0]!.args,
      config: configOf(objects),
    };
  };
  const onlyValidating = await kinds('webhook.create=false', 'webhook.validator.create=true');
  assert.deepEqual(onlyValidating.kinds, ['ValidatingWebhookConfiguration']);
  assert.deepEqual(onlyValidating.args, ['run', '--webhook']);
  assert.equal(onlyValidating.config.raw('kubernetes.operator.webhook.mutating-configuration'), '');
  const noMutating = await kinds('webhook.mutator.create=false');
  assert.deepEqual(noMutating.kinds, ['ValidatingWebhookConfiguration']);
  const none = await kinds('webhook.validator.create=false', 'webhook.mutator.create=false');
  assert.deepEqual(none.kinds, []);
  assert.deepEqual(none.args, ['run']);
});

test('a role name with ":" is bound as a ClusterRole; an empty name falls back to the full name', async () => {
  const objects = await renderValues(
    'ops',
    [],
    'watchNamespaces={team-a}',
    'rbac.operatorRole.create=false',
    'rbac.operatorRole.name=acme:flink-operator',
    'rbac.jobRole.name=',
  );
  const binding = find(objects, 'RoleBinding', 'flink-operator-role-binding').find(
    (b) => b.metadata.namespace === 'team-a',
  ) as unknown as V1RoleBinding;
  assert.deepEqual(binding.roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: 'acme:flink-operator',
  });
  const jobBinding = find(objects, 'RoleBinding', 'flink-role-binding')[0] as unknown as V1RoleBinding;
  assert.deepEqual(jobBinding.roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'Role',
    name: 'ops-flink-operator',
  });
  assert.equal(find(objects, 'Role', 'ops-flink-operator')[0]?.metadata.namespace, 'team-a');
});

test('defaultConfiguration.create=false: no ConfigMap, and the pod mounts a flink-operator-config of yours if there is one', async () => {
  const objects = await renderValues('ops', [APACHE_VALUES], OUR_IMAGE, 'defaultConfiguration.create=false');
  assert.equal(find(objects, 'ConfigMap').length, 0);
  assert.deepEqual(volumeOf(deploymentOf(objects), 'operator-config')?.configMap, {
    name: 'flink-operator-config',
    optional: true,
  });
});

test('LOG_LEVEL from log4j-operator.properties: each log4j level maps to a level of the operator; operatorPod.env wins', async () => {
  const level = async (...sets: string[]) =>
    deploymentOf(await renderValues('ops', [], ...sets))
      .spec!.template.spec!.containers[0]!.env?.filter((e) => e.name === 'LOG_LEVEL')
      .map((e) => e.value);
  const line = (l: string) => `defaultConfiguration.log4j-operator\\.properties=rootLogger.level = ${l}`;
  assert.deepEqual(await level(line('WARN')), ['warn']);
  assert.deepEqual(await level(line('off')), ['silent']);
  assert.deepEqual(await level(line('ALL')), ['trace']);
  assert.deepEqual(
    await level(line('DEBUG'), 'operatorPod.env[0].name=LOG_LEVEL', 'operatorPod.env[0].value=error'),
    ['error'],
  );
  const err = await helmError(...templateArgs('ops', [], [line('LOUD')]));
  assert.match(err, /"rootLogger\.level = LOUD": the operator does not use log4j/);
});

test('the pod values of the Apache chart land where it puts them; the override names change the object names', async () => {
  const file = writeValues('pod.yaml', {
    imagePullSecrets: [{ name: 'registry' }],
    strategy: { type: 'RollingUpdate' },
    fullnameOverride: 'flink-kubernetes-operator',
    operatorPod: {
      priorityClassName: 'critical',
      annotations: { team: 'data' },
      labels: { tier: 'control' },
      env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=400' }],
      envFrom: [{ configMapRef: { name: 'extra' } }],
      dnsPolicy: 'ClusterFirst',
      dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      affinity: { nodeAffinity: {} },
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway' }],
      resources: { limits: { memory: '1Gi' } },
      initContainers: [{ name: 'init', image: 'busybox' }],
      sidecarContainers: [{ name: 'sidecar', image: 'busybox' }],
    },
  });
  const objects = await renderValues('ops', [APACHE_VALUES, file], OUR_IMAGE);
  const deployment = deploymentOf(objects);
  assert.equal(deployment.metadata!.name, 'flink-kubernetes-operator');
  assert.equal(deployment.spec!.strategy?.type, 'RollingUpdate');
  const pod = deployment.spec!.template;
  assert.equal(pod.metadata!.annotations!.team, 'data');
  assert.equal(pod.metadata!.labels!.tier, 'control');
  const spec = pod.spec!;
  assert.deepEqual(spec.imagePullSecrets, [{ name: 'registry' }]);
  assert.equal(spec.priorityClassName, 'critical');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.deepEqual(spec.dnsConfig, { options: [{ name: 'ndots', value: '2' }] });
  assert.deepEqual(spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
  assert.deepEqual(spec.affinity, { nodeAffinity: {} });
  assert.equal(spec.tolerations?.[0]?.key, 'dedicated');
  assert.equal(spec.topologySpreadConstraints?.[0]?.topologyKey, 'zone');
  assert.deepEqual(
    spec.initContainers?.map((c) => c.name),
    ['init'],
  );
  assert.deepEqual(
    spec.containers.map((c) => c.name),
    ['flink-operator', 'sidecar'],
  );
  const container = spec.containers[0]!;
  assert.equal(container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value, '--max-old-space-size=400');
  assert.deepEqual(container.envFrom, [{ configMapRef: { name: 'extra' } }]);
  // Helm merges the values' resources into the chart's defaults.
  assert.equal(container.resources?.limits?.memory, '1Gi');
  assert.equal(find(objects, 'Service', 'flink-kubernetes-operator-webhook-service').length, 1);
});
