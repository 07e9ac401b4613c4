/** Templates and runs for the schedule tests. */
import type { FlinkDeployment, FlinkDeploymentSpec, ScheduleSpec } from '../../../src/api/index.ts';
import { CRON_ANNOTATION } from '../../../src/controllers/schedule/labels.ts';
import { runNameCandidates } from '../../../src/controllers/schedule/naming.ts';
import { buildRun } from '../../../src/controllers/schedule/runs.ts';

export const CREATED = '2026-03-01T00:00:00Z';

export function template(
  schedule: ScheduleSpec | undefined,
  {
    annotation,
    name = 'nightly',
    spec = {},
  }: { annotation?: string; name?: string; spec?: FlinkDeploymentSpec } = {},
): FlinkDeployment {
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: {
      name,
      namespace: 'ns',
      uid: 'template-uid',
      creationTimestamp: CREATED,
      labels: { app: 'etl' },
      annotations: annotation === undefined ? {} : { [CRON_ANNOTATION]: annotation },
    },
    spec: {
      image: 'flink:2.2',
      flinkVersion: 'v2_2',
      serviceAccount: 'flink',
      flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2', 'execution.runtime-mode': 'BATCH' },
      jobManager: { resource: { memory: '2048m', cpu: 1 } },
      taskManager: { resource: { memory: '2048m', cpu: 1 } },
      job: {
        jarURI: 'local:///opt/flink/examples/batch/WordCount.jar',
        parallelism: 2,
        upgradeMode: 'stateless',
      },
      ...(schedule ? { schedule } : {}),
      ...spec,
    },
  };
}

export type RunState = 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

/** A run of `owner` for `tick` as the API server would hold it, in the given job state. */
export function run(
  owner: FlinkDeployment,
  tick: string,
  state: RunState = 'RUNNING',
  { name, timeZone = 'UTC', finishedAt }: { name?: string; timeZone?: string; finishedAt?: string } = {},
): FlinkDeployment {
  const scheduled = new Date(tick);
  const defaultName = runNameCandidates(owner.metadata.name ?? '', scheduled, timeZone, false)[0] ?? '';
  const r = buildRun(owner, name ?? defaultName, scheduled, timeZone);
  r.metadata.uid = `uid-${r.metadata.name}`;
  r.metadata.creationTimestamp = tick;
  r.status = {
    jobStatus: {
      state,
      ...(finishedAt ? { updateTime: String(Date.parse(finishedAt)) } : {}),
    },
  };
  return r;
}

export const at = (iso: string): Date => new Date(iso);
