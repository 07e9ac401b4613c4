/** A failure of one step of building or running the local cluster, naming the step and its log. */
export class DevClusterError extends Error {
  constructor(
    readonly step: string,
    detail: string,
    readonly logFile?: string,
  ) {
    super(`${step} failed: ${detail}${logFile ? ` (see ${logFile})` : ''}`);
    this.name = 'DevClusterError';
  }
}
