import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** A volume mount of a container, with the folder on the host that backs it. */
export interface HostMount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
}

export interface LaunchRequest {
  pod: V1Pod;
  container: V1Container;
  /** Environment already resolved from the pod spec, plus the agent's additions. */
  env: Record<string, string>;
  mounts: HostMount[];
  /** The pod's private folder on the host (volumes, logs, scratch space). */
  podDir: string;
  podIp: string;
}

/** How to run one container as a host process. */
export interface LaunchPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Container paths and the host folders behind them, for commands exec'd into it (default: the mounts). */
  pathMappings?: HostMount[];
}

/** Knows how to run containers of some images as local processes. */
export interface ContainerRuntime {
  name: string;
  matches(image: string): boolean;
  plan(req: LaunchRequest): Promise<LaunchPlan>;
}

/** Thrown when an image or a container spec cannot be run here; shown as the container's waiting reason. */
export class LaunchError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Rewrites container paths that fall inside a mount to the host folder behind it. */
export function toHostPath(mounts: HostMount[], value: string): string {
  const sorted = [...mounts].sort((a, b) => b.containerPath.length - a.containerPath.length);
  for (const m of sorted) {
    if (value === m.containerPath) return m.hostPath;
    if (value.startsWith(`${m.containerPath}/`)) return m.hostPath + value.slice(m.containerPath.length);
  }
  return value;
}

/** Rewrites every mounted container path that appears anywhere in `text`. */
export function rewriteMountedPaths(mounts: HostMount[], text: string): string {
  const sorted = [...mounts].sort((a, b) => b.containerPath.length - a.containerPath.length);
  let out = text;
  for (const m of sorted) {
    out = out.replace(new RegExp(`${escapeRegExp(m.containerPath)}(?=/|\\b|$)`, 'g'), m.hostPath);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const SHELL_IMAGES =
  /^(?:(?:docker\.io\/)?(?:library\/)?)?(busybox|alpine|debian|ubuntu)(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$/;

/**
 * Small general-purpose images whose commands (sh, sleep, echo, ...) exist on the host: the
 * container's command runs as a host process, with mounted paths rewritten to the pod's folders.
 */
export const shellRuntime: ContainerRuntime = {
  name: 'shell',
  matches: (image) => SHELL_IMAGES.test(image),
  async plan(req) {
    const argv = [...(req.container.command ?? []), ...(req.container.args ?? [])];
    if (argv.length === 0) argv.push('sh');
    const [command, ...args] = argv.map((a) => rewriteMountedPaths(req.mounts, a)) as [string, ...string[]];
    const workingDir = req.container.workingDir
      ? toHostPath(req.mounts, req.container.workingDir)
      : req.podDir;
    return { command, args, env: req.env, cwd: workingDir };
  },
};

export function findRuntime(runtimes: ContainerRuntime[], image: string): ContainerRuntime {
  const runtime = runtimes.find((r) => r.matches(image));
  if (!runtime) {
    throw new LaunchError(
      'ErrImagePull',
      `image "${image}" cannot be run by the local node agent: it runs ${runtimes.map((r) => r.name).join(', ')} images as local processes`,
    );
  }
  return runtime;
}
