import os from 'node:os';
import path from 'node:path';

/**
 * The pinned releases of the local control plane. Changing any of them changes the cache key,
 * so the binaries are rebuilt once and then reused.
 */
export const PINNED = {
  kubernetes: 'v1.37.2',
  /** Published version of Kubernetes' staging modules (k8s.io/api, ...) matching `kubernetes`. */
  stagingModules: 'v0.37.2',
  etcd: 'v3.6.16',
  helm: 'v3.22.0',
  /** Bumped when the way we build changes (flags, generated mains), to force a rebuild. */
  recipe: 1,
} as const;

export type BinaryName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kubectl' | 'helm';
export const BINARIES: readonly BinaryName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kubectl',
  'helm',
];

export function cacheRoot(): string {
  return process.env.FLINK_OPERATOR_CACHE ?? path.join(os.homedir(), '.cache', 'flink-operator');
}

/** `~/.cache/flink-operator/<version>/`: one folder per pinned set. */
export function versionCacheDir(): string {
  return path.join(
    cacheRoot(),
    `k8s-${PINNED.kubernetes}-etcd-${PINNED.etcd}-helm-${PINNED.helm}-r${PINNED.recipe}`,
  );
}

export function binDir(): string {
  return path.join(versionCacheDir(), 'bin');
}

export function binaryPath(name: BinaryName): string {
  return path.join(binDir(), name);
}

/** Go's module and build caches are shared by every pinned version, so a bump only rebuilds what changed. */
export function goCacheDirs(): { modCache: string; buildCache: string } {
  return {
    modCache: path.join(cacheRoot(), 'go', 'mod'),
    buildCache: path.join(cacheRoot(), 'go', 'build'),
  };
}
