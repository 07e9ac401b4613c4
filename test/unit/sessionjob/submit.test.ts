import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isDuplicateSubmission,
  jobConfiguration,
  newJobId,
  runRequest,
} from '../../../src/controllers/sessionjob/submit.ts';
import { FlinkRestError } from '../../../src/flink/rest/client.ts';

describe('session job submission', () => {
  test('job ids are 32 hex digits and differ', () => {
    const a = newJobId();
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.notEqual(a, newJobId());
  });

  test('a duplicate job id answer counts as already submitted; other errors do not', () => {
    const duplicate = new FlinkRestError('POST', 'u', 500, [
      'org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted.',
    ]);
    assert.equal(isDuplicateSubmission(duplicate), true);
    assert.equal(
      isDuplicateSubmission(new FlinkRestError('POST', 'u', 400, ['ClassNotFoundException'])),
      false,
    );
    assert.equal(isDuplicateSubmission(new Error('Job has already been submitted')), false);
  });

  test('the run request carries the job settings, restore path and job configuration', () => {
    const request = runRequest(
      {
        deploymentName: 's',
        job: {
          jarURI: 'x',
          entryClass: 'a.B',
          args: ['--n', '1'],
          parallelism: 2,
          allowNonRestoredState: true,
        },
        flinkConfiguration: {
          'kubernetes.operator.job.savepoint-on-deletion': 'true',
          pipeline: { name: 'p' },
        },
      },
      'f'.repeat(32),
      'file:///sp',
    );
    assert.deepEqual(request, {
      jobId: 'f'.repeat(32),
      entryClass: 'a.B',
      programArgsList: ['--n', '1'],
      parallelism: 2,
      savepointPath: 'file:///sp',
      allowNonRestoredState: true,
      flinkConfiguration: {
        'pipeline.name': 'p',
        'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
      },
    });
    assert.deepEqual(runRequest({ job: { parallelism: 0 } }, 'id', undefined), {
      jobId: 'id',
      flinkConfiguration: {
        'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
      },
    });
  });

  test('a session cluster before Flink 1.17 gets no job configuration with the run request', () => {
    const spec = { job: { parallelism: 2 }, flinkConfiguration: { 'pipeline.name': 'p' } };
    for (const version of ['v1_15', 'v1_16']) {
      assert.deepEqual(runRequest(spec, 'id', undefined, version), { jobId: 'id', parallelism: 2 }, version);
    }
    for (const version of ['v1_17', 'v1_18', 'v1_20', 'v2_2', undefined]) {
      assert.equal(
        runRequest(spec, 'id', undefined, version).flinkConfiguration?.['pipeline.name'],
        'p',
        String(version),
      );
    }
  });

  test('jobs keep their checkpoints on cancellation unless told otherwise', () => {
    const key = 'execution.checkpointing.externalized-checkpoint-retention';
    assert.equal(jobConfiguration({ job: { upgradeMode: 'last-state' } })[key], 'RETAIN_ON_CANCELLATION');
    const own = {
      job: { upgradeMode: 'last-state' as const },
      flinkConfiguration: { [key]: 'DELETE_ON_CANCELLATION' },
    };
    assert.equal(jobConfiguration(own)[key], 'DELETE_ON_CANCELLATION');
    assert.deepEqual(jobConfiguration({ job: { upgradeMode: 'stateless' } }), {
      [key]: 'RETAIN_ON_CANCELLATION',
    });
  });
});
