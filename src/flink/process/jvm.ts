/**
 * The pieces of a Flink JVM command line that Flink's start scripts compute: the class path, the
 * memory arguments (from BashJavaUtils, exactly as the scripts get them) and the Java options.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FlinkDistribution } from '../dist/distribution.ts';
import { JAVA17_MODULE_OPTIONS } from '../config/java.ts';
import type { FlinkConfig } from './config.ts';

const run = promisify(execFile);

/**
 * The distribution's default config.yaml carries these in `env.java.opts.all`, but a configuration
 * written by someone else may not, so we always pass them.
 */
export { JAVA17_MODULE_OPTIONS };

/** Every jar of lib/ in name order with flink-dist last, as the scripts build it. */
export function flinkClasspath(libDir: string): string[] {
  const jars = fs
    .readdirSync(libDir)
    .filter((f) => f.endsWith('.jar'))
    .sort();
  const dist = jars.filter((f) => /^flink-dist[^/]*\.jar$/.test(f));
  if (dist.length !== 1) throw new Error(`expected one flink-dist jar in ${libDir}, found ${dist.length}`);
  return [...jars.filter((f) => !dist.includes(f)), ...dist].map((f) => path.join(libDir, f));
}

export type ProcessRole = 'jobmanager' | 'taskmanager';

export interface ResourceParams {
  /** -Xmx, -Xms, -XX:MaxDirectMemorySize (TM), -XX:MaxMetaspaceSize. */
  jvmArgs: string[];
  /** `-D key=value` pairs (two tokens each) fixing every derived memory size. */
  dynamicArgs: string[];
}

const RESULT_PREFIX = 'BASH_JAVA_UTILS_EXEC_RESULT:';

/** The two result lines of a BashJavaUtils GET_*_RESOURCE_PARAMS run. */
export function parseResourceParams(output: string): ResourceParams {
  const results = output
    .split('\n')
    .filter((l) => l.startsWith(RESULT_PREFIX))
    .map((l) => l.slice(RESULT_PREFIX.length).trim());
  if (results.length !== 2) {
    throw new Error(
      `BashJavaUtils printed ${results.length} result lines, expected 2:\n${output.slice(-2000)}`,
    );
  }
  const split = (line: string) => line.split(/\s+/).filter((t) => t.length > 0);
  return { jvmArgs: split(results[0] ?? ''), dynamicArgs: split(results[1] ?? '') };
}

/**
 * Runs BashJavaUtils from the distribution to derive the JVM memory arguments and the memory
 * configuration of a JobManager or TaskManager from `confDir` plus the `-D` dynamic arguments.
 */
export async function computeResourceParams(
  dist: FlinkDistribution,
  role: ProcessRole,
  confDir: string,
  dynamicArgs: string[],
): Promise<ResourceParams> {
  const command = role === 'jobmanager' ? 'GET_JM_RESOURCE_PARAMS' : 'GET_TM_RESOURCE_PARAMS';
  const classpath = `${dist.bashJavaUtilsJar}:${dist.distJar}`;
  const args = ['-classpath', classpath, 'org.apache.flink.runtime.util.bash.BashJavaUtils', command];
  args.push('--configDir', confDir, ...dynamicArgs);
  try {
    const { stdout, stderr } = await run(javaBinary(), args, { maxBuffer: 16 * 1024 * 1024 });
    return parseResourceParams(`${stdout}\n${stderr}`);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const detail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-10).join('\n');
    throw new Error(`BashJavaUtils ${command} failed for ${confDir}: ${detail || e.message}`);
  }
}

/** `java` from JAVA_HOME when set, else from PATH. */
export function javaBinary(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, 'bin', 'java') : 'java';
}

/**
 * The Java options Flink's config.sh and role scripts derive from the configuration:
 * `-XX:+IgnoreUnrecognizedVMOptions`, `env.java.default-opts.all`, `env.java.opts.all` (falling
 * back to the deprecated `env.java.opts`), then the role's default and own options; a TaskManager
 * with no options at all gets G1. `$VAR`/`${VAR}` are expanded from `env`, as the script's eval does.
 */
export function javaOptionsFromConfig(
  config: FlinkConfig,
  role: ProcessRole,
  env: Record<string, string>,
): string[] {
  const get = (key: string) => splitOptions(config[key] ?? '', env);
  const all = [
    ...get('env.java.default-opts.all'),
    ...get(config['env.java.opts.all'] ? 'env.java.opts.all' : 'env.java.opts'),
  ];
  const own = [...get(`env.java.default-opts.${role}`), ...get(`env.java.opts.${role}`)];
  const gc = role === 'taskmanager' && all.length === 0 && own.length === 0 ? ['-XX:+UseG1GC'] : [];
  return [...gc, '-XX:+IgnoreUnrecognizedVMOptions', ...all, ...own];
}

function splitOptions(value: string, env: Record<string, string>): string[] {
  const unquoted = value.trim().replace(/^"(.*)"$/s, '$1');
  return unquoted
    .replace(
      /\$\{(\w+)\}|\$(\w+)/g,
      (_m, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? '',
    )
    .split(/\s+/)
    .filter((t) => t.length > 0);
}
