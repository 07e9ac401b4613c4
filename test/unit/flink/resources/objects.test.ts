import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlinkDeployment, FlinkDeploymentSpec } from '../../../../src/api/index.ts';
import { effectiveConfiguration, parseConfigYaml } from '../../../../src/flink/config/index.ts';
import {
  desiredObjects,
  ingressUrl,
  mergePodTemplates,
  restUrl,
  restUrlOf,
  type ClusterObjects,
} from '../../../../src/flink/resources/index.ts';

type Json = { [key: string]: unknown };

function deployment(spec: FlinkDeploymentSpec): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'wc', namespace: 'ns', uid: 'fd-uid', generation: 4 },
    spec,
  };
}

const base: FlinkDeploymentSpec = {
  image: 'flink:2.2',
  flinkVersion: 'v2_2',
  serviceAccount: 'flink',
  jobManager: { resource: { memory: '2048m', cpu: 1 } },
  taskManager: { resource: { memory: '1024m', cpu: 1 } },
};
const app: FlinkDeploymentSpec = { ...base, job: { jarURI: 'local:///opt/flink/job.jar', parallelism: 2 } };

function build(spec: FlinkDeploymentSpec, uid?: string): ClusterObjects {
  const fd = deployment(spec);
  const config = effectiveConfiguration(fd, { 'taskmanager.numberOfTaskSlots': '1' }, { jobId: 'jid' });
  return desiredObjects(fd, config, uid ? { jobManagerDeploymentUid: uid } : {});
}

function main(
  objects: ClusterObjects,
  which: 'jobManagerDeployment' | 'taskManagerDeployment' = 'jobManagerDeployment',
): Json {
  const containers = objects[which]!.spec!.template.spec!.containers as unknown as Json[];
  const found = containers.find((c) => c.name === 'flink-main-container');
  assert.ok(found, 'main container');
  return found;
}

function names(list: unknown): string[] {
  return ((list as Json[] | undefined) ?? []).map((item) => String(item.name));
}

describe('native application cluster', () => {
  const objects = build(app);
  const jm = objects.jobManagerDeployment;

  test('JobManager Deployment: name, labels, annotation, owner, selector', () => {
    assert.equal(jm.metadata?.name, 'wc');
    assert.deepEqual(jm.metadata?.labels, {
      type: 'flink-native-kubernetes',
      app: 'wc',
      component: 'jobmanager',
    });
    assert.deepEqual(jm.metadata?.annotations, { 'flinkdeployment.flink.apache.org/generation': '4' });
    assert.deepEqual(jm.metadata?.ownerReferences, [
      {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkDeployment',
        name: 'wc',
        uid: 'fd-uid',
        controller: false,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(jm.spec?.selector.matchLabels, jm.metadata?.labels);
    assert.equal(jm.spec?.replicas, 1);
    assert.equal(objects.taskManagerDeployment, undefined);
  });

  test('main container: command, args, ports, env, resources, probe, mounts', () => {
    const c = main(objects);
    assert.deepEqual(c.command, ['/docker-entrypoint.sh']);
    assert.deepEqual(c.args, ['bash', '-c', 'kubernetes-jobmanager.sh kubernetes-application ']);
    assert.equal(c.image, 'flink:2.2');
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(c.ports, [
      { name: 'rest', containerPort: 8081 },
      { name: 'jobmanager-rpc', containerPort: 6123 },
      { name: 'blobserver', containerPort: 6124 },
    ]);
    assert.deepEqual(c.env, [
      { name: '_POD_IP_ADDRESS', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
    ]);
    assert.deepEqual(c.resources, {
      requests: { memory: '2048Mi', cpu: '1.0' },
      limits: { memory: '2048Mi', cpu: '1.0' },
    });
    assert.deepEqual(c.startupProbe, {
      failureThreshold: 2147483647,
      periodSeconds: 1,
      httpGet: { path: '/config', port: 'rest' },
    });
    assert.deepEqual(c.volumeMounts, [
      { name: 'user-artifacts-volume', mountPath: '/opt/flink/artifacts' },
      { name: 'flink-config-volume', mountPath: '/opt/flink/conf' },
    ]);
    const pod = jm.spec!.template.spec!;
    assert.equal(pod.serviceAccountName, 'flink');
    assert.deepEqual(names(pod.volumes), ['user-artifacts-volume', 'flink-config-volume']);
  });

  test('no TaskManager template: no pod-template ConfigMap', () => {
    assert.deepEqual(
      objects.configMaps.map((cm) => cm.metadata?.name),
      ['flink-config-wc'],
    );
  });

  test('ConfigMap holds config.yaml and logging; config carries what the cluster needs', () => {
    const cm = objects.configMaps[0]!;
    assert.deepEqual(Object.keys(cm.data ?? {}).sort(), ['config.yaml', 'log4j-console.properties']);
    assert.deepEqual(cm.metadata?.labels, { type: 'flink-native-kubernetes', app: 'wc' });
    const conf = parseConfigYaml(cm.data!['config.yaml']!);
    assert.equal(conf['kubernetes.cluster-id'], 'wc');
    assert.equal(conf['jobmanager.rpc.address'], 'wc.ns');
    assert.equal(
      conf['kubernetes.internal.jobmanager.entrypoint.class'],
      'org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint',
    );
    assert.equal(conf['blob.server.port'], '6124');
    assert.equal(conf['taskmanager.rpc.port'], '6122');
    assert.equal(conf['$internal.pipeline.job-id'], 'jid');
  });

  test('Flink up to 1.18 reads flink-conf.yaml: the ConfigMap and the pods name that file', () => {
    const legacy = build({ ...app, image: 'flink:1.18', flinkVersion: 'v1_18' });
    const cm = legacy.configMaps[0]!;
    assert.deepEqual(Object.keys(cm.data ?? {}).sort(), ['flink-conf.yaml', 'log4j-console.properties']);
    const lines = cm.data!['flink-conf.yaml']!.split('\n');
    assert.ok(lines.includes('kubernetes.cluster-id: wc'), cm.data!['flink-conf.yaml']);
    assert.ok(lines.includes('pipeline.jars: local:///opt/flink/job.jar'));
    const volume = (legacy.jobManagerDeployment.spec!.template.spec!.volumes ?? []).find(
      (v) => v.name === 'flink-config-volume',
    );
    assert.deepEqual(
      volume?.configMap?.items?.map((i) => i.key),
      ['log4j-console.properties', 'flink-conf.yaml'],
    );
    const current = build({ ...app, image: 'flink:1.19', flinkVersion: 'v1_19' });
    assert.ok('config.yaml' in (current.configMaps[0]!.data ?? {}));
  });

  test('Services: headless internal and ClusterIP rest', () => {
    const [internal, rest] = objects.services;
    assert.equal(internal?.metadata?.name, 'wc');
    assert.equal(internal?.spec?.clusterIP, 'None');
    assert.deepEqual(internal?.spec?.ports, [
      { name: 'jobmanager-rpc', port: 6123 },
      { name: 'blobserver', port: 6124 },
    ]);
    assert.equal(rest?.metadata?.name, 'wc-rest');
    assert.equal(rest?.spec?.type, 'ClusterIP');
    assert.deepEqual(rest?.spec?.ports, [{ name: 'rest', port: 8081, targetPort: 8081 }]);
    assert.deepEqual(rest?.spec?.selector, {
      type: 'flink-native-kubernetes',
      app: 'wc',
      component: 'jobmanager',
    });
  });

  test('with the JobManager Deployment uid, ConfigMaps and Services are owned by it', () => {
    const owned = build(app, 'jm-uid');
    for (const obj of [...owned.configMaps, ...owned.services]) {
      assert.deepEqual(obj.metadata?.ownerReferences, [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'wc',
          uid: 'jm-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  test('rest URLs', () => {
    assert.equal(restUrl('wc', 'ns'), 'http://wc-rest.ns:8081');
    assert.equal(restUrlOf(objects.clusterConfig), 'http://wc-rest.ns:8081');
  });
});

describe('native session cluster with HA and a TaskManager template', () => {
  const objects = build({
    ...base,
    flinkConfiguration: {
      'high-availability.type': 'kubernetes',
      'high-availability.storageDir': 'file:///ha',
    },
    taskManager: {
      ...base.taskManager,
      podTemplate: {
        spec: { containers: [{ name: 'flink-main-container', env: [{ name: 'X', value: '1' }] }] },
      },
    },
  });

  test('session entry point, no internal Service, no fixed rpc address', () => {
    assert.deepEqual(main(objects).args, ['bash', '-c', 'kubernetes-jobmanager.sh kubernetes-session ']);
    assert.deepEqual(
      objects.services.map((s) => s.metadata?.name),
      ['wc-rest'],
    );
    const conf = objects.clusterConfig;
    assert.equal(conf['jobmanager.rpc.address'], undefined);
    assert.equal(conf['high-availability.cluster-id'], 'wc');
    assert.equal(conf['high-availability.jobmanager.port'], '6123');
    assert.equal(
      conf['kubernetes.internal.jobmanager.entrypoint.class'],
      'org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint',
    );
  });

  test('the TaskManager template is shipped and mounted where the JobManager reads it', () => {
    const cm = objects.configMaps.find((c) => c.metadata?.name === 'pod-template-wc');
    assert.ok(cm);
    assert.match(cm.data!['taskmanager-pod-template.yaml']!, /name: X/);
    assert.deepEqual(
      (main(objects).volumeMounts as Json[]).find((m) => m.name === 'pod-template-volume'),
      { name: 'pod-template-volume', mountPath: '/opt/flink/pod-template' },
    );
    assert.equal(
      objects.clusterConfig['kubernetes.pod-template-file.taskmanager'],
      '/opt/flink/pod-template/taskmanager-pod-template.yaml',
    );
  });
});

describe('standalone', () => {
  test('application: standalone-job args, TaskManager Deployment, usrlib', () => {
    const objects = build({
      ...app,
      mode: 'standalone',
      job: {
        jarURI: 'local:///opt/flink/job.jar',
        parallelism: 2,
        entryClass: 'org.Main',
        args: ['--x', '1'],
        allowNonRestoredState: true,
      },
    });
    const fd = deployment({ ...app, mode: 'standalone' });
    const withSavepoint = desiredObjects(fd, effectiveConfiguration(fd, {}, { savepointPath: 's3://sp' }));
    const jm = main(objects);
    assert.deepEqual(jm.args, [
      'standalone-job',
      '--job-classname',
      'org.Main',
      '--allowNonRestoredState',
      '--x',
      '1',
    ]);
    assert.deepEqual(main(withSavepoint).args, ['standalone-job', '--fromSavepoint', 's3://sp']);
    assert.deepEqual(objects.jobManagerDeployment.metadata?.labels, {
      type: 'flink-standalone-kubernetes',
      app: 'wc',
      component: 'jobmanager',
    });
    assert.ok((jm.volumeMounts as Json[]).some((m) => m.mountPath === '/opt/flink/usrlib'));
    const tmDeployment = objects.taskManagerDeployment!;
    assert.equal(tmDeployment.metadata?.name, 'wc-taskmanager');
    assert.equal(tmDeployment.spec?.replicas, 2);
    assert.deepEqual(tmDeployment.spec?.selector.matchLabels, {
      type: 'flink-standalone-kubernetes',
      app: 'wc',
      component: 'taskmanager',
    });
    const tm = main(objects, 'taskManagerDeployment');
    assert.deepEqual(tm.args, ['taskmanager']);
    assert.deepEqual(tm.ports, [{ name: 'taskmanager-rpc', containerPort: 6122 }]);
    assert.deepEqual(tm.resources, {
      requests: { memory: '1024Mi', cpu: '1.0' },
      limits: { memory: '1024Mi', cpu: '1.0' },
    });
    assert.equal(objects.clusterConfig['jobmanager.rpc.address'], 'wc.ns');
    assert.equal(objects.services.length, 2);
  });

  test('session with HA: jobmanager entry point announcing the pod IP; replicas from spec', () => {
    const objects = build({
      ...base,
      mode: 'standalone',
      flinkConfiguration: {
        'high-availability.type': 'kubernetes',
        'high-availability.storageDir': 'file:///ha',
      },
      taskManager: { ...base.taskManager, replicas: 3 },
    });
    assert.deepEqual(main(objects).args, ['jobmanager', '-D', 'jobmanager.rpc.address=$(_POD_IP_ADDRESS)']);
    assert.equal(objects.taskManagerDeployment?.spec?.replicas, 3);
    assert.deepEqual(
      objects.services.map((s) => s.metadata?.name),
      ['wc', 'wc-rest'],
    );
  });
});

describe('pod templates', () => {
  test('common, then JobManager template, then operator fields; user entries kept unless overridden', () => {
    const objects = build({
      ...app,
      podTemplate: {
        metadata: { labels: { team: 'a' } },
        spec: {
          serviceAccountName: 'from-template',
          containers: [
            {
              name: 'flink-main-container',
              env: [{ name: 'A', value: 'common' }],
              ports: [{ name: 'metrics', containerPort: 9249 }],
            },
            { name: 'sidecar', image: 'busybox' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
      jobManager: {
        ...base.jobManager,
        podTemplate: {
          spec: { containers: [{ name: 'flink-main-container', env: [{ name: 'A', value: 'jm' }] }] },
        },
      },
    });
    const pod = objects.jobManagerDeployment.spec!.template;
    assert.deepEqual(pod.metadata?.labels, {
      team: 'a',
      type: 'flink-native-kubernetes',
      app: 'wc',
      component: 'jobmanager',
    });
    assert.deepEqual(names(pod.spec?.containers), ['sidecar', 'flink-main-container']);
    const c = main(objects);
    assert.deepEqual(names(c.env), ['A', '_POD_IP_ADDRESS']);
    assert.equal((c.env as Json[])[0]!.value, 'jm');
    assert.deepEqual(names(c.ports), ['metrics', 'rest', 'jobmanager-rpc', 'blobserver']);
    // The common template also makes a TaskManager template, which the JobManager gets mounted.
    assert.deepEqual(names(pod.spec?.volumes), [
      'data',
      'user-artifacts-volume',
      'flink-config-volume',
      'pod-template-volume',
    ]);
    // spec.serviceAccount is set explicitly, so it wins over the template's.
    assert.equal(pod.spec?.serviceAccountName, 'flink');
  });

  test('lists merge by position by default and by name when configured', () => {
    const common = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b' }] } };
    const own = { spec: { containers: [{ name: 'b', image: 'y' }] } };
    assert.deepEqual(mergePodTemplates(common, own, false)?.spec?.containers, [
      { name: 'b', image: 'y' },
      { name: 'b' },
    ]);
    assert.deepEqual(mergePodTemplates(common, own, true)?.spec?.containers, [
      { name: 'a', image: 'x' },
      { name: 'b', image: 'y' },
    ]);
  });

  test('resources other than cpu and memory go onto the main container', () => {
    const objects = build({
      ...app,
      jobManager: { resources: { requests: { memory: '2048m', cpu: '1', 'ephemeral-storage': '1Gi' } } },
    });
    assert.deepEqual(main(objects).resources, {
      requests: { 'ephemeral-storage': '1Gi', memory: '2048Mi', cpu: '1.0' },
      limits: { memory: '2048Mi', cpu: '1.0' },
    });
  });
});

describe('ingress', () => {
  test('template forms', () => {
    assert.deepEqual(ingressUrl('flink.k8s.io/{{namespace}}/{{name}}', 'wc', 'ns'), {
      host: 'flink.k8s.io',
      path: '/ns/wc',
    });
    assert.deepEqual(ingressUrl('{{name}}.{{NAMESPACE}}.flink.k8s.io', 'wc', 'ns'), {
      host: 'wc.ns.flink.k8s.io',
      path: '',
    });
    assert.deepEqual(ingressUrl('/{{namespace}}/{{name}}(/|$)(.*)', 'wc', 'ns'), {
      host: '',
      path: '/ns/wc(/|$)(.*)',
    });
    assert.deepEqual(ingressUrl('https://h:8443/x?q', 'wc', 'ns'), { host: 'h', path: '/x' });
  });

  test('object: name, labels, class, annotations, tls, backend, owner', () => {
    const objects = build({
      ...app,
      ingress: {
        template: 'flink.k8s.io/{{namespace}}/{{name}}',
        className: 'nginx',
        annotations: { a: 'b' },
        labels: { l: 'v' },
        tls: [{ hosts: ['flink.k8s.io'], secretName: 's' }],
      },
    });
    assert.deepEqual(objects.ingress, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'wc',
        namespace: 'ns',
        labels: { l: 'v', component: 'ingress' },
        annotations: { a: 'b' },
        ownerReferences: [
          {
            apiVersion: 'flink.apache.org/v1beta1',
            kind: 'FlinkDeployment',
            name: 'wc',
            uid: 'fd-uid',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['flink.k8s.io'], secretName: 's' }],
        rules: [
          {
            host: 'flink.k8s.io',
            http: {
              paths: [
                {
                  pathType: 'ImplementationSpecific',
                  path: '/ns/wc',
                  backend: { service: { name: 'wc-rest', port: { number: 8081 } } },
                },
              ],
            },
          },
        ],
      },
    });
  });
});

test('the REST Service type is read as Flink reads it, case-insensitively, and written as Kubernetes spells it', async () => {
  const { clusterContext, restService } = await import('../../../../src/flink/resources/cluster.ts');
  const deployment = {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'wc', namespace: 'ns' },
    spec: { image: 'flink:2.2', flinkVersion: 'v2_2' },
  } as FlinkDeployment;
  const service = (type: string) =>
    restService(clusterContext(deployment, { 'kubernetes.rest-service.exposed.type': type })).spec;
  assert.equal(service('nodeport')?.type, 'NodePort');
  assert.equal(service('LOADBALANCER')?.type, 'LoadBalancer');
  assert.deepEqual(
    [service('headless_clusterip')?.type, service('headless_clusterip')?.clusterIP],
    ['ClusterIP', 'None'],
  );
});
