import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlinkDeployment, FlinkDeploymentSpec } from '../../../../src/api/index.ts';
import {
  DEFAULT_OPERATOR_CONFIGURATION,
  effectiveConfiguration,
  parseConfigYaml,
  shippedConfiguration,
  toConfigYaml,
  versionPrefixes,
} from '../../../../src/flink/config/index.ts';

function deployment(spec: FlinkDeploymentSpec, metadata: FlinkDeployment['metadata'] = {}): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'my-job', namespace: 'team-a', ...metadata },
    spec,
  };
}

const base: FlinkDeploymentSpec = {
  image: 'flink:2.2',
  flinkVersion: 'v2_2',
  jobManager: { resource: { memory: '2048m', cpu: 1 } },
  taskManager: { resource: { memory: '2048m', cpu: 1 } },
};

describe('operator defaults', () => {
  test('namespace, then version-and-newer (oldest first), then exact version override the base', () => {
    const operator = {
      'taskmanager.numberOfTaskSlots': '1',
      'kubernetes.operator.default-configuration.namespace.team-a.taskmanager.numberOfTaskSlots': '2',
      'kubernetes.operator.default-configuration.flink-version.v1_18+.a': 'from-1.18+',
      'kubernetes.operator.default-configuration.flink-version.v2_0+.a': 'from-2.0+',
      'kubernetes.operator.default-configuration.flink-version.v2_2+.b': 'from-2.2+',
      'kubernetes.operator.default-configuration.flink-version.v2_2.c': 'exact',
      'kubernetes.operator.default-configuration.flink-version.v2_3+.d': 'newer-only',
    };
    const config = effectiveConfiguration(deployment(base), operator);
    assert.equal(config['taskmanager.numberOfTaskSlots'], '2');
    assert.equal(config.a, 'from-2.0+');
    assert.equal(config.b, 'from-2.2+');
    assert.equal(config.c, 'exact');
    assert.equal(config.d, undefined);
    assert.deepEqual(versionPrefixes(operator, 'v2_2'), [
      'kubernetes.operator.default-configuration.flink-version.v1_18+.',
      'kubernetes.operator.default-configuration.flink-version.v2_0+.',
      'kubernetes.operator.default-configuration.flink-version.v2_2+.',
      'kubernetes.operator.default-configuration.flink-version.v2_2.',
    ]);
  });

  test('the chart defaults give Java 17 flags as default-opts from 1.19 and opts.all for 1.18', () => {
    const v22 = effectiveConfiguration(deployment(base), DEFAULT_OPERATOR_CONFIGURATION);
    assert.match(v22['env.java.default-opts.all'] ?? '', /--add-opens=java.base\/java.util=ALL-UNNAMED/);
    assert.equal(v22['env.java.opts.all'], undefined);
    const v118 = effectiveConfiguration(
      deployment({ ...base, flinkVersion: 'v1_18' }),
      DEFAULT_OPERATOR_CONFIGURATION,
    );
    assert.match(v118['env.java.opts.all'] ?? '', /--add-exports/);
  });

  test('before Flink 1.17 the image and CPU also go under the older key names', () => {
    const at = (flinkVersion: FlinkDeploymentSpec['flinkVersion']) =>
      effectiveConfiguration(deployment({ ...base, flinkVersion, image: 'flink:x' }), {});
    for (const version of ['v1_15', 'v1_16'] as const) {
      const config = at(version);
      assert.equal(config['kubernetes.container.image'], 'flink:x', version);
      assert.equal(config['kubernetes.container.image.ref'], undefined, version);
      assert.equal(config['kubernetes.jobmanager.cpu'], '1.0', version);
      assert.equal(config['kubernetes.taskmanager.cpu'], '1.0', version);
      assert.equal(config['kubernetes.jobmanager.cpu.amount'], '1.0', version);
    }
    for (const version of ['v1_17', 'v1_18', 'v2_2'] as const) {
      const config = at(version);
      assert.equal(config['kubernetes.container.image.ref'], 'flink:x', version);
      assert.equal(config['kubernetes.container.image'], undefined, version);
      assert.equal(config['kubernetes.jobmanager.cpu'], undefined, version);
    }
  });

  test('spec flinkConfiguration (nested maps flattened) overrides defaults', () => {
    const config = effectiveConfiguration(
      deployment({
        ...base,
        flinkConfiguration: { taskmanager: { numberOfTaskSlots: 4 }, 'state.savepoints.dir': 's3://x' },
      }),
      DEFAULT_OPERATOR_CONFIGURATION,
    );
    assert.equal(config['taskmanager.numberOfTaskSlots'], '4');
    assert.equal(config['state.savepoints.dir'], 's3://x');
  });
});

describe('operator-managed keys', () => {
  test('identity, image, service account and defaults the operator always sets', () => {
    const config = effectiveConfiguration(
      deployment({ ...base, serviceAccount: 'flink', imagePullPolicy: 'Always' }),
      {},
    );
    assert.equal(config['kubernetes.cluster-id'], 'my-job');
    assert.equal(config['kubernetes.namespace'], 'team-a');
    assert.equal(config['kubernetes.container.image.ref'], 'flink:2.2');
    assert.equal(config['kubernetes.container.image.pull-policy'], 'Always');
    assert.equal(config['kubernetes.service-account'], 'flink');
    assert.equal(config['kubernetes.rest-service.exposed.type'], 'ClusterIP');
    assert.equal(config['web.cancel.enable'], 'false');
    assert.equal(config['$internal.flink.version'], 'v2_2');
    assert.equal(config['execution.target'], 'kubernetes-session');
  });

  test('user values win over the operator defaults for rest service type and web cancel', () => {
    const config = effectiveConfiguration(
      deployment({
        ...base,
        flinkConfiguration: {
          'kubernetes.rest-service.exposed.type': 'NodePort',
          'web.cancel.enable': 'true',
        },
      }),
      {},
    );
    assert.equal(config['kubernetes.rest-service.exposed.type'], 'NodePort');
    assert.equal(config['web.cancel.enable'], 'true');
  });

  test('older resource form: Flink sizes stay Flink sizes, quantities become bytes', () => {
    const config = effectiveConfiguration(
      deployment({
        ...base,
        jobManager: { resource: { memory: '2048m', cpu: 0.5 } },
        taskManager: { resource: { memory: '2Gi', cpu: 2 } },
      }),
      {},
    );
    assert.equal(config['jobmanager.memory.process.size'], '2 gb');
    assert.equal(config['kubernetes.jobmanager.cpu.amount'], '0.5');
    assert.equal(config['taskmanager.memory.process.size'], '2147483648');
    assert.equal(config['kubernetes.taskmanager.cpu.amount'], '2.0');
  });

  test('resources form: requests first, limits as fallback, limit factors only with both', () => {
    const config = effectiveConfiguration(
      deployment({
        ...base,
        jobManager: {
          resources: { requests: { memory: '1Gi', cpu: '500m' }, limits: { memory: '2Gi', cpu: '2' } },
        },
        taskManager: { resources: { limits: { memory: '1536m', cpu: '1' } } },
      }),
      {},
    );
    assert.equal(config['jobmanager.memory.process.size'], '1073741824');
    assert.equal(config['kubernetes.jobmanager.cpu.amount'], '0.5');
    assert.equal(config['kubernetes.jobmanager.cpu.limit-factor'], '4.0');
    assert.equal(config['kubernetes.jobmanager.memory.limit-factor'], '2.0');
    assert.equal(config['taskmanager.memory.process.size'], '1536 mb');
    assert.equal(config['kubernetes.taskmanager.cpu.amount'], '1.0');
    assert.equal(config['kubernetes.taskmanager.cpu.limit-factor'], undefined);
  });

  test('an empty resources section falls back to the older resource section', () => {
    const config = effectiveConfiguration(
      deployment({ ...base, jobManager: { resources: {}, resource: { memory: '1g', cpu: 1 } } }),
      {},
    );
    assert.equal(config['jobmanager.memory.process.size'], '1 gb');
  });

  test('native application job', () => {
    const config = effectiveConfiguration(
      deployment({
        ...base,
        job: {
          jarURI: 'local:///opt/flink/job.jar',
          entryClass: 'org.example.Main',
          args: ['--a', 'b;c'],
          parallelism: 3,
          upgradeMode: 'last-state',
          allowNonRestoredState: true,
        },
      }),
      {},
    );
    assert.equal(config['execution.target'], 'kubernetes-application');
    assert.equal(config['pipeline.jars'], 'local:///opt/flink/job.jar');
    assert.equal(config['parallelism.default'], '3');
    assert.equal(config['$internal.application.main'], 'org.example.Main');
    assert.equal(config['$internal.application.program-args'], "--a;'b;c'");
    assert.equal(config['execution.shutdown-on-application-finish'], 'false');
    assert.equal(config['execution.submit-failed-job-on-application-error'], 'true');
    assert.equal(config['pipeline.name'], 'my-job');
    assert.equal(config['execution.checkpointing.interval'], '5 min');
    assert.equal(
      config['execution.checkpointing.externalized-checkpoint-retention'],
      'RETAIN_ON_CANCELLATION',
    );
    assert.equal(config['execution.savepoint.ignore-unclaimed-state'], 'true');
  });

  test('TaskManager replicas decide the parallelism (replicas x slots)', () => {
    const config = effectiveConfiguration(
      deployment({
        ...base,
        flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2' },
        taskManager: { ...base.taskManager, replicas: 3 },
        job: { jarURI: 'local:///j.jar', parallelism: 1 },
      }),
      {},
    );
    assert.equal(config['parallelism.default'], '6');
    assert.equal(config['kubernetes.internal.taskmanager.replicas'], '3');
  });

  test('standalone application: remote target, classpath with file: scheme, replicas from parallelism', () => {
    const config = effectiveConfiguration(
      deployment({
        ...base,
        mode: 'standalone',
        flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2' },
        job: { jarURI: 'local:///opt/flink/job.jar', parallelism: 5 },
      }),
      {},
    );
    assert.equal(config['execution.target'], 'remote');
    assert.equal(config['kubernetes.internal.cluster-mode'], 'APPLICATION');
    assert.equal(config['pipeline.classpaths'], 'file:///opt/flink/job.jar');
    assert.equal(config['pipeline.jars'], undefined);
    assert.equal(config['kubernetes.internal.taskmanager.replicas'], '3');
  });

  test('standalone session', () => {
    const config = effectiveConfiguration(deployment({ ...base, mode: 'standalone' }), {});
    assert.equal(config['execution.target'], 'remote');
    assert.equal(config['kubernetes.internal.cluster-mode'], 'SESSION');
  });

  test('HA sets the HA cluster id, for the type key and the legacy factory class', () => {
    for (const ha of [
      { 'high-availability.type': 'kubernetes' },
      { 'high-availability': 'org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory' },
    ]) {
      const config = effectiveConfiguration(deployment({ ...base, flinkConfiguration: ha }), {});
      assert.equal(config['high-availability.cluster-id'], 'my-job');
    }
    const none = effectiveConfiguration(deployment(base), {});
    assert.equal(none['high-availability.cluster-id'], undefined);
  });
});

describe('deploy parameters', () => {
  const ha: FlinkDeploymentSpec = {
    ...base,
    flinkConfiguration: {
      'high-availability.type': 'kubernetes',
      'high-availability.storageDir': 's3://ha',
      'execution.savepoint.path': 's3://user-set',
    },
    job: { jarURI: 'local:///j.jar', parallelism: 1 },
  };

  test('savepoint, job id, job result store, generation annotation and owner reference', () => {
    const config = effectiveConfiguration(
      deployment(ha, { uid: 'uid-1', generation: 7 }),
      {},
      {
        savepointPath: 's3://sp/1',
        jobId: '0123456789abcdef0123456789abcdef',
        jobResultStoreId: 'r-1',
      },
    );
    assert.equal(config['execution.savepoint.path'], 's3://sp/1');
    assert.equal(config['$internal.pipeline.job-id'], '0123456789abcdef0123456789abcdef');
    assert.equal(config['job-result-store.storage-path'], 's3://ha/job-result-store/my-job/r-1');
    assert.equal(config['job-result-store.delete-on-commit'], 'false');
    assert.equal(
      config['kubernetes.jobmanager.annotations'],
      'flinkdeployment.flink.apache.org/generation:7',
    );
    assert.equal(
      config['kubernetes.jobmanager.owner.reference'],
      'apiVersion:flink.apache.org/v1beta1,kind:FlinkDeployment,name:my-job,uid:uid-1,controller:false,blockOwnerDeletion:true',
    );
  });

  test('a stateless deployment removes a configured savepoint path; a user job id is kept', () => {
    const spec = {
      ...ha,
      flinkConfiguration: { ...ha.flinkConfiguration, '$internal.pipeline.job-id': 'fixed' },
    };
    const config = effectiveConfiguration(deployment(spec), {}, { jobId: 'generated' });
    assert.equal(config['execution.savepoint.path'], undefined);
    assert.equal(config['$internal.pipeline.job-id'], 'fixed');
  });
});

describe('shipping and config.yaml', () => {
  test('operator and autoscaler keys and client-only keys are not shipped', () => {
    const shipped = shippedConfiguration({
      'kubernetes.operator.savepoint.format.type': 'NATIVE',
      'job.autoscaler.enabled': 'true',
      'rest.bind-address': '0.0.0.0',
      'kubernetes.config.file': '/k',
      'state.savepoints.dir': 's3://x',
    });
    assert.deepEqual(shipped, { 'state.savepoints.dir': 's3://x' });
  });

  test('config.yaml nests keys, keeps prefix-conflicting keys flat and round-trips', () => {
    const config = {
      'high-availability': 'kubernetes',
      'high-availability.storageDir': 's3://ha',
      'taskmanager.numberOfTaskSlots': '2',
      'taskmanager.memory.process.size': '2 gb',
      'pipeline.jars': 'local:///a.jar',
      '$internal.application.program-args': "--x;'a;b'",
      'web.cancel.enable': 'false',
    };
    const text = toConfigYaml(config);
    assert.match(text, /^high-availability: kubernetes$/m);
    assert.match(text, /^high-availability.storageDir: s3:\/\/ha$/m);
    assert.match(
      text,
      /^taskmanager:\n {2}memory:\n {4}process:\n {6}size: 2 gb\n {2}numberOfTaskSlots: "2"$/m,
    );
    assert.match(text, /^ {2}jars:\n {4}- local:\/\/\/a.jar$/m);
    const back = parseConfigYaml(text);
    assert.deepEqual(back, { ...config, '$internal.application.program-args': '--x;a;b' });
  });
});
