/**
 * Starts one Flink JobManager or TaskManager as a local `java` process, the way Flink's scripts
 * would inside a container: its own conf folder (the configuration file its release reads, written from a base folder plus
 * overrides), log files, temp folder and a FLINK_HOME view whose usrlib/ is its own, with every
 * listening socket bound to one loopback address so many clusters can share the machine and the
 * standard ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FlinkDistribution } from '../dist/distribution.ts';
import {
  CONFIG_FILE,
  LEGACY_CONFIG_FILE,
  readFlinkConfig,
  writeFlinkConfig,
  type FlinkConfig,
} from './config.ts';
import {
  dynamicPropertyArgs,
  entryPointArgs,
  FLINK_SERVICES,
  serviceRole,
  type FlinkLaunchPlan,
} from './entrypoint.ts';
import {
  computeResourceParams,
  flinkClasspath,
  JAVA17_MODULE_OPTIONS,
  javaBinary,
  javaOptionsFromConfig,
  type ProcessRole,
} from './jvm.ts';

export interface StartFlinkProcessOptions {
  dist: FlinkDistribution;
  /** What to run: `servicePlan(...)` or `planContainerLaunch(...)`. */
  plan: FlinkLaunchPlan;
  /** Names the log files and, for a TaskManager, its default resource id. */
  name: string;
  /** A folder of this process alone: conf/, log/, tmp/ and home/ are created in it. */
  workDir: string;
  /** The loopback address (127.x.y.z) every socket of the process binds to. */
  bindAddress: string;
  /** The configuration folder to start from (e.g. a mounted ConfigMap); the distribution's by default. */
  baseConfDir?: string;
  /** Configuration on top of the base (and of what the image entrypoint would write). */
  config?: FlinkConfig;
  /** Apply the plan's image-entrypoint configuration (false where the conf folder is read-only). */
  applyImageConfig?: boolean;
  /** A folder of user jars that appears as FLINK_HOME/usrlib (the application cluster finds its job there). */
  usrlibDir?: string;
  /** Environment of the process, on top of PATH/JAVA_HOME/LANG and the FLINK_* variables. */
  env?: Record<string, string>;
  /** The process's host name, which resolves to `bindAddress` inside it; the machine's by default. */
  hostname?: string;
  /** More names the process resolves (e.g. Service names), name -> address. */
  hostAliases?: Record<string, string>;
  /**
   * Container paths and the host folders behind them (a pod's volume mounts). Configuration values
   * naming such paths are rewritten to the host folder; paths under the image's FLINK_HOME
   * (`/opt/flink`) not covered by a mount point into this process's FLINK_HOME view.
   */
  pathMappings?: readonly PathMapping[];
}

export interface PathMapping {
  containerPath: string;
  hostPath: string;
}

/** Where the Flink image keeps FLINK_HOME; configuration written for pods names paths under it. */
export const IMAGE_FLINK_HOME = '/opt/flink';

/** Rewrites every mapped container path in `value` (longest mapping first). */
export function rewritePaths(value: string, mappings: readonly PathMapping[]): string {
  const sorted = [...mappings].sort((a, b) => b.containerPath.length - a.containerPath.length);
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(
    `(${sorted.map((m) => escape(m.containerPath.replace(/\/+$/, ''))).join('|')})(?=/|$|[^\\w.-])`,
    'g',
  );
  if (sorted.length === 0) return value;
  return value.replace(
    pattern,
    (match) => sorted.find((m) => m.containerPath.replace(/\/+$/, '') === match)!.hostPath,
  );
}

export interface FlinkProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface FlinkProcess {
  readonly pid: number;
  readonly name: string;
  readonly role: ProcessRole;
  readonly bindAddress: string;
  /** The REST endpoint of a JobManager. */
  readonly restUrl?: string;
  /** Flink's own log (`log.file`). */
  readonly logFile: string;
  /** stdout and stderr of the JVM (the console log, what a container log would show). */
  readonly outFile: string;
  readonly confDir: string;
  /** The full command line, for diagnostics. */
  readonly command: readonly string[];
  readonly exited: Promise<FlinkProcessExit>;
  /** How the process ended, once it has. */
  readonly exit: FlinkProcessExit | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<FlinkProcessExit>;
}

/** Keys that keep a process on its own address whatever the configuration says. */
export function bindConfig(role: ProcessRole, bindAddress: string): FlinkConfig {
  return role === 'jobmanager'
    ? { 'jobmanager.bind-host': bindAddress, 'rest.bind-address': bindAddress }
    : { 'taskmanager.bind-host': bindAddress, 'taskmanager.host': bindAddress };
}

/** Defaults for addresses that point at this process, replacing the distribution's `localhost`. */
function addressDefaults(role: ProcessRole, bindAddress: string, name: string): FlinkConfig {
  return role === 'jobmanager'
    ? { 'jobmanager.rpc.address': bindAddress, 'rest.address': bindAddress }
    : { 'taskmanager.resource-id': name };
}

/**
 * The defaults that apply: a configuration that names its own address (say a Service name the
 * TaskManagers use, which the JobManager's RPC system must answer to) keeps it; the distribution's
 * `localhost` is replaced.
 */
function unsetOrLocalhost(base: FlinkConfig, defaults: FlinkConfig): FlinkConfig {
  return Object.fromEntries(
    Object.entries(defaults).filter(([key]) => base[key] === undefined || base[key] === 'localhost'),
  );
}

const live = new Set<ChildProcess>();

function endLiveProcesses(): void {
  for (const child of live) child.kill('SIGTERM');
}

/** A Flink process ready to spawn: its folders are written, its command line computed. */
export interface PreparedFlinkProcess {
  role: ProcessRole;
  command: string[];
  env: Record<string, string>;
  /** FLINK_HOME as the process sees it: the image's WORKDIR. */
  cwd: string;
  logFile: string;
  outFile: string;
  confDir: string;
  restUrl?: string;
}

/**
 * Writes the process's folders (conf, log, tmp, FLINK_HOME view, hosts file) and computes its
 * command line. `startFlinkProcess` spawns it; the local node agent spawns it as a container.
 */
export async function prepareFlinkProcess(options: StartFlinkProcessOptions): Promise<PreparedFlinkProcess> {
  const { dist, plan, name, bindAddress } = options;
  const role = serviceRole(plan.service);
  const workDir = path.resolve(options.workDir);
  const confDir = path.join(workDir, 'conf');
  const logDir = path.join(workDir, 'log');
  const tmpDir = path.join(workDir, 'tmp');
  const homeDir = path.join(workDir, 'home');
  await Promise.all([confDir, logDir, tmpDir].map((d) => fsp.mkdir(d, { recursive: true })));

  const baseConfDir = options.baseConfDir ?? dist.confDir;
  await copyConfFolder(baseConfDir, dist.confDir, confDir);
  const base = await readFlinkConfig(baseConfDir);
  const config: FlinkConfig = {
    ...base,
    ...unsetOrLocalhost(base, addressDefaults(role, bindAddress, name)),
    ...(options.applyImageConfig === false ? {} : plan.imageConfig),
    ...options.config,
    ...bindConfig(role, bindAddress),
    'io.tmp.dirs': tmpDir,
  };
  if (options.pathMappings) {
    const mappings = [...options.pathMappings, { containerPath: IMAGE_FLINK_HOME, hostPath: homeDir }];
    for (const [key, value] of Object.entries(config)) config[key] = rewritePaths(value, mappings);
  }
  await writeFlinkConfig(confDir, config, dist.line);
  await makeHomeView(dist, homeDir, confDir, options.usrlibDir);
  const hostsFile = path.join(workDir, 'hosts');
  await fsp.writeFile(
    hostsFile,
    hostsFileContent(bindAddress, options.hostname ?? os.hostname(), options.hostAliases),
  );

  const env: Record<string, string> = {
    ...inheritedEnv(),
    ...options.env,
    FLINK_HOME: homeDir,
    FLINK_CONF_DIR: confDir,
    FLINK_BIN_DIR: path.join(homeDir, 'bin'),
    FLINK_LIB_DIR: path.join(homeDir, 'lib'),
    FLINK_OPT_DIR: path.join(homeDir, 'opt'),
    FLINK_PLUGINS_DIR: path.join(homeDir, 'plugins'),
    FLINK_LOG_DIR: logDir,
  };

  const resources = plan.computesResources
    ? await computeResourceParams(dist, role, confDir, dynamicPropertyArgs(plan.args))
    : { jvmArgs: plan.envJvmArgs, dynamicArgs: [] };
  const logFile = path.join(logDir, `${name}.log`);
  const outFile = path.join(logDir, `${name}.out`);
  const log4j = `file:${path.join(confDir, 'log4j-console.properties')}`;
  const command = [
    javaBinary(),
    ...resources.jvmArgs,
    ...javaOptionsFromConfig(config, role, env),
    ...JAVA17_MODULE_OPTIONS,
    `-Djava.io.tmpdir=${tmpDir}`,
    `-Djdk.net.hosts.file=${hostsFile}`,
    `-Dlog.file=${logFile}`,
    `-Dlog4j.configuration=${log4j}`,
    `-Dlog4j.configurationFile=${log4j}`,
    `-Dlogback.configurationFile=file:${path.join(confDir, 'logback-console.xml')}`,
    '-classpath',
    flinkClasspath(dist.libDir).join(':'),
    FLINK_SERVICES[plan.service],
    ...entryPointArgs(plan, confDir, resources.dynamicArgs),
  ];
  const restPort = config['rest.port'] ?? '8081';
  return {
    role,
    command,
    env,
    cwd: homeDir,
    logFile,
    outFile,
    confDir,
    ...(role === 'jobmanager' ? { restUrl: `http://${bindAddress}:${restPort}` } : {}),
  };
}

export async function startFlinkProcess(options: StartFlinkProcessOptions): Promise<FlinkProcess> {
  const { name, bindAddress } = options;
  const {
    role,
    command,
    env,
    cwd: homeDir,
    logFile,
    outFile,
    confDir,
    restUrl,
  } = await prepareFlinkProcess(options);
  const out = fs.openSync(outFile, 'a');
  const child = spawn(command[0] ?? 'java', command.slice(1), {
    // The image's WORKDIR is FLINK_HOME; application clusters pass usrlib/ jars to TaskManagers as
    // paths relative to the working directory.
    cwd: homeDir,
    env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  const exited = new Promise<FlinkProcessExit>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  // The process must not outlive node (a test that fails midway, an agent that crashes).
  live.add(child);
  if (live.size === 1) process.once('exit', endLiveProcesses);
  if (child.pid === undefined) {
    throw new Error(`could not start ${name}: ${command[0]} did not spawn (see ${outFile})`);
  }
  const pid = child.pid;
  let exit: FlinkProcessExit | undefined;
  void exited.then((e) => (exit = e));
  return {
    pid,
    name,
    role,
    bindAddress,
    restUrl,
    logFile,
    outFile,
    confDir,
    command,
    exited,
    get exit() {
      return exit;
    },
    async stop(graceMs = 15_000) {
      if (!exit) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exit) child.kill('SIGKILL');
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Copies the base conf folder without its config file, adding the distribution's logging files it lacks. */
async function copyConfFolder(baseConfDir: string, distConfDir: string, target: string): Promise<void> {
  const skip = new Set([CONFIG_FILE, LEGACY_CONFIG_FILE]);
  for (const source of [distConfDir, baseConfDir]) {
    for (const entry of await fsp.readdir(source, { withFileTypes: true })) {
      if (skip.has(entry.name) || entry.isDirectory()) continue;
      if (source === distConfDir && source !== baseConfDir && !entry.name.startsWith('log')) continue;
      // A mounted ConfigMap shows its keys as symlinks into a timestamped folder; copy the content.
      await fsp.copyFile(path.join(source, entry.name), path.join(target, entry.name));
    }
  }
}

/** FLINK_HOME as the image has it, shared parts linked to the distribution, usrlib/ and conf/ our own. */
async function makeHomeView(
  dist: FlinkDistribution,
  homeDir: string,
  confDir: string,
  usrlibDir?: string,
): Promise<void> {
  await fsp.rm(homeDir, { recursive: true, force: true });
  await fsp.mkdir(homeDir, { recursive: true });
  const links: [string, string][] = [
    ['bin', dist.binDir],
    ['lib', dist.libDir],
    ['opt', dist.optDir],
    ['plugins', dist.pluginsDir],
    ['examples', dist.examplesDir],
    ['conf', confDir],
  ];
  if (usrlibDir) links.push(['usrlib', path.resolve(usrlibDir)]);
  else await fsp.mkdir(path.join(homeDir, 'usrlib'));
  for (const [name, target] of links) await fsp.symlink(target, path.join(homeDir, name));
}

/**
 * The JVM resolves names only through this file (`jdk.net.hosts.file`), like a pod with its own
 * network namespace: `localhost` and the host name are the process's own address. Flink 1.20's
 * JobManager reaches its own blob server through `localhost` when running a jar from the REST
 * API, which fails when the server listens on another loopback address.
 */
export function hostsFileContent(
  bindAddress: string,
  hostname: string,
  aliases: Record<string, string> = {},
): string {
  const lines = [`${bindAddress} localhost ${hostname}`];
  for (const [name, address] of Object.entries(aliases)) lines.push(`${address} ${name}`);
  return lines.join('\n') + '\n';
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'JAVA_HOME', 'LANG', 'TZ']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}
