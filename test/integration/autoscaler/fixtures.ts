import type { FlinkDeployment } from '../../../src/api/index.ts';

/** A valid FlinkDeployment named `scaled` with the autoscaler on; nothing runs it in these tests. */
export function autoscaledDeployment(namespace: string, parallelism: number): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'scaled', namespace },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      flinkConfiguration: { 'job.autoscaler.enabled': 'true' },
      jobManager: { resource: { memory: '1024m', cpu: 1 } },
      taskManager: { resource: { memory: '1024m', cpu: 1 } },
      job: { jarURI: 'local:///opt/flink/job.jar', parallelism },
    },
  };
}
