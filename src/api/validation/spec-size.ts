import type { ErrorList } from './errors.ts';

/**
 * The largest spec that can be deployed. The status keeps two copies of the deployed spec
 * (`lastReconciledSpec`, `lastStableSpec`) beside the spec itself, and the API server stores an
 * object of at most about 1.5 to 2 MiB: a larger spec would be admitted, then every status write
 * refused.
 */
export const MAX_SPEC_BYTES = 400 * 1024;

export function checkSpecSize(errors: ErrorList, spec: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(spec ?? {}), 'utf8');
  if (bytes > MAX_SPEC_BYTES) {
    errors.add(
      'spec',
      `The spec is ${bytes} bytes; at most ${MAX_SPEC_BYTES} can be deployed, because the status keeps two copies of it and Kubernetes stores objects of at most about 1.5 MiB`,
    );
  }
}
