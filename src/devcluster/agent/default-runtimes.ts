import { shellRuntime, type ContainerRuntime } from './runtimes.ts';

/** The images the local node agent can run, in order of preference. */
export function defaultRuntimes(): ContainerRuntime[] {
  return [shellRuntime];
}
