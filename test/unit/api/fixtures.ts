/** Valid resources that tests change one field at a time. */
export type Json = { [key: string]: unknown };

export function deployment(spec: Json = {}, extra: Json = {}): Json {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'basic', namespace: 'default' },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      serviceAccount: 'flink',
      flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2' },
      jobManager: { resource: { memory: '2048m', cpu: 1 } },
      taskManager: { resource: { memory: '2048m', cpu: 1 } },
      job: { jarURI: 'local:///opt/flink/examples/streaming/StateMachineExample.jar', parallelism: 2 },
      ...spec,
    },
    ...extra,
  };
}

export function sessionCluster(name = 'session'): Json {
  const d = deployment({ job: undefined });
  (d.metadata as Json).name = name;
  delete (d.spec as Json).job;
  return d;
}

export function sessionJob(spec: Json = {}, extra: Json = {}): Json {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkSessionJob',
    metadata: { name: 'job', namespace: 'default' },
    spec: {
      deploymentName: 'session',
      job: { jarURI: 'https://repo1.maven.org/maven2/x/job.jar', parallelism: 2 },
      ...spec,
    },
    ...extra,
  };
}

export function snapshot(spec: Json = {}, extra: Json = {}): Json {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkStateSnapshot',
    metadata: { name: 'snap', namespace: 'default' },
    spec: { jobReference: { kind: 'FlinkDeployment', name: 'basic' }, savepoint: {}, ...spec },
    ...extra,
  };
}

/** `status.reconciliationStatus.lastReconciledSpec` as the operator records it. */
export function reconciledStatus(spec: Json): Json {
  return {
    reconciliationStatus: {
      lastReconciledSpec: JSON.stringify({
        spec,
        resource_metadata: { apiVersion: 'flink.apache.org/v1beta1' },
      }),
    },
  };
}
