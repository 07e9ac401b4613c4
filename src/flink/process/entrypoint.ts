/**
 * Our replacement for the Flink image's `/docker-entrypoint.sh` and the `bin/*.sh` scripts it
 * calls: given a container's command, args and environment, decide which Flink entry point class
 * runs and with which arguments. Pure; the launcher turns a plan into a JVM process.
 */
import path from 'node:path';
import type { FlinkConfig } from './config.ts';
import type { ProcessRole } from './jvm.ts';

/** The services of `flink-console.sh`, each one Java entry point class. */
export const FLINK_SERVICES = {
  standalonesession: 'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint',
  standalonejob: 'org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint',
  taskexecutor: 'org.apache.flink.runtime.taskexecutor.TaskManagerRunner',
  'kubernetes-session': 'org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint',
  'kubernetes-application': 'org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint',
  'kubernetes-taskmanager': 'org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner',
} as const;

export type FlinkService = keyof typeof FLINK_SERVICES;

export function serviceRole(service: FlinkService): ProcessRole {
  return service === 'taskexecutor' || service === 'kubernetes-taskmanager' ? 'taskmanager' : 'jobmanager';
}

export interface FlinkLaunchPlan {
  service: FlinkService;
  /** Arguments for the entry point besides `--configDir` and the computed memory `-D`s. */
  args: string[];
  /**
   * Configuration the image entrypoint writes into the conf folder before starting (it does so
   * for every command, and the write only sticks where the conf folder is writable).
   */
  imageConfig: FlinkConfig;
  /** JVM memory options handed over by the environment (native TaskManagers). */
  envJvmArgs: string[];
  /** Whether BashJavaUtils computes the memory parameters (the native TaskManager gets them in its args). */
  computesResources: boolean;
}

export interface ContainerInvocation {
  /** The container's command; the Flink image's default is `/docker-entrypoint.sh`. */
  command?: readonly string[];
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** What `hostname -f` prints in the container (default JobManager address of standalone pods). */
  hostname: string;
}

export class UnsupportedContainerCommand extends Error {
  constructor(argv: readonly string[], why: string) {
    super(`cannot run container command ${JSON.stringify(argv)}: ${why}`);
    this.name = 'UnsupportedContainerCommand';
  }
}

/** Decides what a Flink container would run. Throws UnsupportedContainerCommand for anything else. */
export function planContainerLaunch(container: ContainerInvocation): FlinkLaunchPlan {
  const env = container.env ?? {};
  const argv = [...(container.command ?? ['/docker-entrypoint.sh']), ...(container.args ?? [])];
  let rest = argv;
  let imageConfig: FlinkConfig = {};
  if (rest[0] !== undefined && path.basename(rest[0]) === 'docker-entrypoint.sh') {
    imageConfig = imageEntrypointConfig(env, container.hostname);
    rest = rest.slice(1);
    switch (rest[0]) {
      case 'jobmanager':
        return withImage(imageConfig, jobmanagerScript(rest.slice(1)));
      case 'standalone-job':
        return withImage(imageConfig, servicePlan('standalonejob', rest.slice(1)));
      case 'taskmanager':
        return withImage(imageConfig, servicePlan('taskexecutor', rest.slice(1)));
    }
  }
  // Pass-through: the image runs the rest as a command, typically `bash -c "<script> ..."`.
  if (rest.length >= 3 && ['bash', 'sh'].includes(path.basename(rest[0] ?? '')) && rest[1] === '-c') {
    rest = shellWords(rest[2] ?? '', env);
    if (rest[0] === 'exec') rest = rest.slice(1);
  }
  const script = path.basename(rest[0] ?? '');
  const scriptArgs = rest.slice(1);
  const startForeground = (what: string) => {
    if (scriptArgs[0] !== 'start-foreground') {
      throw new UnsupportedContainerCommand(argv, `${what} runs in a container only as start-foreground`);
    }
    return scriptArgs.slice(1);
  };
  switch (script) {
    case 'kubernetes-jobmanager.sh': {
      const entry = scriptArgs[0];
      if (entry !== 'kubernetes-session' && entry !== 'kubernetes-application') {
        throw new UnsupportedContainerCommand(argv, `unknown kubernetes-jobmanager.sh entry point ${entry}`);
      }
      return withImage(imageConfig, servicePlan(entry, scriptArgs.slice(1)));
    }
    case 'kubernetes-taskmanager.sh': {
      const envJvmArgs = (env.FLINK_TM_JVM_MEM_OPTS ?? '').split(/\s+/).filter((t) => t.length > 0);
      return {
        ...withImage(imageConfig, servicePlan('kubernetes-taskmanager', scriptArgs)),
        envJvmArgs,
        computesResources: false,
      };
    }
    case 'jobmanager.sh':
      return withImage(imageConfig, jobmanagerScript(startForeground(script)));
    case 'standalone-job.sh':
      return withImage(imageConfig, servicePlan('standalonejob', startForeground(script)));
    case 'taskmanager.sh':
      return withImage(imageConfig, servicePlan('taskexecutor', startForeground(script)));
  }
  throw new UnsupportedContainerCommand(argv, 'not a Flink entry point we know');
}

/** The plan that runs `service` with `args` directly, as `flink-console.sh <service> <args>` would. */
export function servicePlan(service: FlinkService, args: string[] = []): FlinkLaunchPlan {
  return { service, args, imageConfig: {}, envJvmArgs: [], computesResources: true };
}

function withImage(imageConfig: FlinkConfig, p: FlinkLaunchPlan): FlinkLaunchPlan {
  return { ...p, imageConfig };
}

/** jobmanager.sh takes `[host [webui-port]] [-D k=v ...]`; host and port become dynamic properties. */
function jobmanagerScript(args: string[]): FlinkLaunchPlan {
  const isDynamic = (a: string | undefined) => a === undefined || a.startsWith('-D');
  if (isDynamic(args[0])) return servicePlan('standalonesession', args);
  const extra = ['-D', `jobmanager.rpc.address=${args[0]}`];
  if (isDynamic(args[1])) return servicePlan('standalonesession', [...args.slice(1), ...extra]);
  return servicePlan('standalonesession', [...args.slice(2), ...extra, '-D', `rest.port=${args[1]}`]);
}

/**
 * What the image entrypoint writes into conf/: the JobManager address (JOB_MANAGER_RPC_ADDRESS or
 * the hostname), the fixed blob and query ports, the slot count from
 * TASK_MANAGER_NUMBER_OF_TASK_SLOTS, then each `key: value` line of FLINK_PROPERTIES (all blanks
 * removed, split at the first colon, `$VAR` expanded).
 */
export function imageEntrypointConfig(env: Readonly<Record<string, string>>, hostname: string): FlinkConfig {
  const config: FlinkConfig = {
    'jobmanager.rpc.address': env.JOB_MANAGER_RPC_ADDRESS || hostname,
    'blob.server.port': '6124',
    'query.server.port': '6125',
  };
  if (env.TASK_MANAGER_NUMBER_OF_TASK_SLOTS) {
    config['taskmanager.numberOfTaskSlots'] = env.TASK_MANAGER_NUMBER_OF_TASK_SLOTS;
  }
  for (const raw of (env.FLINK_PROPERTIES ?? '').split('\n')) {
    const line = raw.replace(/\s+/g, '');
    if (!line) continue;
    const colon = line.indexOf(':');
    const key = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    config[key] = expandVariables(value, env);
  }
  return config;
}

/** The entry point's arguments in the order Flink's scripts pass them. */
export function entryPointArgs(plan: FlinkLaunchPlan, confDir: string, resourceArgs: string[]): string[] {
  const configDir = ['--configDir', confDir];
  switch (plan.service) {
    case 'standalonesession':
    case 'standalonejob':
      return [...resourceArgs, ...configDir, ...plan.args];
    case 'taskexecutor':
      return [...configDir, ...resourceArgs, ...plan.args];
    case 'kubernetes-session':
    case 'kubernetes-application':
      // These entry points read FLINK_CONF_DIR from the environment, not --configDir.
      return [...resourceArgs, ...plan.args];
    case 'kubernetes-taskmanager':
      return [...configDir, ...plan.args];
  }
}

/** The `-D key=value` / `-Dkey=value` arguments of `args`, normalised to `-D`, `key=value` pairs. */
export function dynamicPropertyArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-D' && args[i + 1] !== undefined) out.push('-D', args[++i] ?? '');
    else if (arg.startsWith('-D') && arg.length > 2) out.push('-D', arg.slice(2));
  }
  return out;
}

function expandVariables(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_m, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? '',
  );
}

/**
 * Splits a `bash -c` string into words: blanks separate words, single quotes keep text literally,
 * double quotes keep blanks and expand variables, a backslash escapes the next character, and
 * unquoted `$VAR`/`${VAR}` expand from `env`. Enough for the commands Flink and the operator generate.
 */
export function shellWords(line: string, env: Readonly<Record<string, string>>): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const readVariable = (): string => {
    const m = /^\$(?:\{(\w+)\}|(\w+))/.exec(line.slice(i));
    if (!m) {
      i++;
      return '$';
    }
    i += m[0].length;
    return env[m[1] ?? m[2] ?? ''] ?? '';
  };
  while (i < line.length) {
    const c = line[i] ?? '';
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated single quote in: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] ?? '')) {
          word += line[i + 1];
          i += 2;
        } else if (line[i] === '$') {
          word += readVariable();
        } else {
          word += line[i];
          i++;
        }
      }
      if (i >= line.length) throw new Error(`unterminated double quote in: ${line}`);
      i++;
    } else if (c === '\\') {
      word += line[i + 1] ?? '';
      inWord = true;
      i += 2;
    } else if (c === '$') {
      word += readVariable();
      inWord = true;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
