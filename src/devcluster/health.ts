import { DevClusterError } from './errors.ts';
import { isRunning, logTail, type ManagedProcess } from './processes.ts';

/**
 * Waits until `check` passes for a component. Fails fast, naming the component and its log, when
 * the process exits early, and after `timeoutMs` when it never becomes healthy.
 */
export async function waitHealthy(
  name: string,
  proc: ManagedProcess,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(proc)) {
      const tail = await logTail(proc.logFile);
      throw new DevClusterError(
        `starting ${name}`,
        `the process exited early. Last log lines:\n${tail}`,
        proc.logFile,
      );
    }
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DevClusterError(
    `starting ${name}`,
    `not healthy after ${Math.round(timeoutMs / 1000)}s. Last log lines:\n${await logTail(proc.logFile)}`,
    proc.logFile,
  );
}
