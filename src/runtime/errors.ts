/**
 * Typed reconcile errors. The controller decides what to do from the type:
 * transient → retry with exponential backoff; user → no retry until the object changes;
 * fatal → the manager stops and the process exits so Kubernetes restarts it.
 * Any other thrown error is treated as transient.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** The object's spec cannot work; retrying will not help until a user changes it. */
export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

/** The operator itself is broken (bad configuration, missing permission); keep no state, exit. */
export class FatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalError';
  }
}

/** An API server answer with a non-2xx status, carrying the Status object's reason when present. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status}${reason ? ` ${reason}` : ''}: ${message}`);
    this.name = 'ApiError';
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;
export const isGone = (err: unknown): boolean => err instanceof ApiError && err.status === 410;
export const isForbidden = (err: unknown): boolean => err instanceof ApiError && err.status === 403;

/** True when the error is an abort caused by an AbortSignal (ours or a caller's). */
export const isAbort = (err: unknown): boolean =>
  err instanceof Error && (err.name === 'AbortError' || (err as NodeJS.ErrnoException).code === 'ABORT_ERR');
