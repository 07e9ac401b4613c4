import { flinkRuntime, type FlinkRuntimeOptions } from './flink-runtime.ts';
import { operatorRuntime } from './operator-runtime.ts';
import { shellRuntime, type ContainerRuntime } from './runtimes.ts';

/** The images the local node agent can run, in order of preference. */
export function defaultRuntimes(options: FlinkRuntimeOptions): ContainerRuntime[] {
  return [flinkRuntime(options), operatorRuntime(options), shellRuntime];
}
