/**
 * Savepoint disposal through the JobManager REST API (POST /savepoint-disposal, then poll its
 * trigger): the data of a savepoint is deleted by the cluster, which can reach its storage.
 */
import { failureText } from '../../flink/rest/failure.ts';
import type { SerializedThrowable } from '../../flink/rest/types.ts';

export class DisposalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DisposalError';
  }
}

interface DisposalStatus {
  status: { id: 'IN_PROGRESS' | 'COMPLETED' };
  operation?: { 'failure-cause'?: SerializedThrowable };
}

async function call<T>(method: string, url: string, body: unknown, timeoutMs: number): Promise<T> {
  const response = await fetch(url, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok)
    throw new DisposalError(`${method} ${url}: HTTP ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Disposes the savepoint at `path`; resolves when the cluster reports it done. */
export async function disposeSavepoint(
  baseUrl: string,
  path: string,
  { timeoutMs = 60_000, requestTimeoutMs = 10_000, intervalMs = 250 } = {},
): Promise<void> {
  const root = `${baseUrl.replace(/\/+$/, '')}/v1/savepoint-disposal`;
  const trigger = await call<{ 'request-id': string }>(
    'POST',
    root,
    { 'savepoint-path': path },
    requestTimeoutMs,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await call<DisposalStatus>(
      'GET',
      `${root}/${trigger['request-id']}`,
      undefined,
      requestTimeoutMs,
    );
    if (answer.status.id === 'COMPLETED') {
      const cause = answer.operation?.['failure-cause'];
      if (cause) {
        throw new DisposalError(`disposal of savepoint ${path} failed: ${failureText(cause)}`);
      }
      return;
    }
    if (Date.now() > deadline)
      throw new DisposalError(`disposal of savepoint ${path} still running after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
