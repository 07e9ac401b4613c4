import type { JobStatus } from '../../api/index.ts';

/**
 * The savepoint a savepoint-mode restore starts from: the one recorded for this upgrade, else the
 * last savepoint in `savepointInfo` — all that operators writing no `upgradeSavepointPath` (older
 * releases) leave behind for a suspended job, so a migrated deployment resumes where it stopped.
 */
export function recordedRestorePath(jobStatus: JobStatus | undefined): string | undefined {
  return jobStatus?.upgradeSavepointPath ?? jobStatus?.savepointInfo?.lastSavepoint?.location ?? undefined;
}
