/** kubectl against the test run's control plane, as a user would call it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binaryPath } from '../../src/devcluster/versions.ts';

const run = promisify(execFile);

/**
 * Runs kubectl; `ok` is false when it exits with an error. `out` holds stdout (and stderr on
 * failure); `stderr` alone carries what kubectl prints there on success, e.g. admission warnings.
 */
export async function kubectl(...args: string[]): Promise<{ ok: boolean; out: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(binaryPath('kubectl'), [
      '--kubeconfig',
      process.env.FLINK_OPERATOR_TEST_KUBECONFIG!,
      ...args,
    ]);
    return { ok: true, out: stdout, stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}`, stderr: e.stderr ?? '' };
  }
}
