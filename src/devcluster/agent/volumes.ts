import fsp from 'node:fs/promises';
import path from 'node:path';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { DataSource } from './env.ts';
import { LaunchError, type HostMount } from './runtimes.ts';

/** Issues service-account tokens for projected volumes. */
export interface TokenSource {
  token(
    namespace: string,
    serviceAccount: string,
    audiences: string[] | undefined,
    expirationSeconds: number,
  ): Promise<string>;
}

export interface VolumeContext {
  pod: V1Pod;
  podDir: string;
  /** Where PersistentVolumeClaims live, shared by every pod that mounts the same claim. */
  claimsDir: string;
  data: DataSource;
  tokens: TokenSource;
  /** The CA bundle pods use to trust the API server (kube-root-ca.crt). */
  rootCa: string;
}

/** Writes every volume of the pod into its folder and returns the folder of each volume by name. */
export async function materializeVolumes(ctx: VolumeContext): Promise<Map<string, string>> {
  const folders = new Map<string, string>();
  for (const volume of ctx.pod.spec?.volumes ?? []) {
    folders.set(volume.name, await materialize(ctx, volume));
  }
  return folders;
}

/** The host folders behind a container's volume mounts. */
export function containerMounts(container: V1Container, folders: Map<string, string>): HostMount[] {
  return (container.volumeMounts ?? []).map((m) => {
    const folder = folders.get(m.name);
    if (!folder)
      throw new LaunchError('CreateContainerConfigError', `volume "${m.name}" is not defined in the pod`);
    return {
      containerPath: m.mountPath.replace(/\/+$/, '') || '/',
      hostPath: m.subPath ? path.join(folder, m.subPath) : folder,
      readOnly: m.readOnly ?? false,
    };
  });
}

async function materialize(ctx: VolumeContext, volume: V1Volume): Promise<string> {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const dir = path.join(ctx.podDir, 'volumes', volume.name);
  if (volume.hostPath) return volume.hostPath.path;
  if (volume.persistentVolumeClaim) {
    const claimDir = path.join(ctx.claimsDir, ns, volume.persistentVolumeClaim.claimName);
    await fsp.mkdir(claimDir, { recursive: true });
    return claimDir;
  }
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.mkdir(dir, { recursive: true });
  // Credentials (Secrets, service-account tokens) readable by the pod's user only, as on a node.
  const confidential = Boolean(volume.secret || volume.projected);
  if (confidential) await fsp.chmod(dir, 0o700);
  const mode = confidential ? 0o600 : 0o644;
  if (volume.emptyDir) return dir;
  if (volume.configMap) {
    const data = await ctx.data.configMap(ns, volume.configMap.name ?? '');
    if (!data && !volume.configMap.optional) {
      // As on a kubelet, the pod waits (and is retried) until its volume's ConfigMap exists.
      throw new LaunchError(
        'ContainerCreating',
        `MountVolume.SetUp failed: configmap "${volume.configMap.name}" not found`,
      );
    }
    await writeItems(dir, data ?? {}, volume.configMap.items, mode);
    return dir;
  }
  if (volume.secret) {
    const data = await ctx.data.secret(ns, volume.secret.secretName ?? '');
    if (!data && !volume.secret.optional) {
      throw new LaunchError(
        'ContainerCreating',
        `MountVolume.SetUp failed: secret "${volume.secret.secretName}" not found`,
      );
    }
    await writeItems(dir, data ?? {}, volume.secret.items, mode);
    return dir;
  }
  if (volume.downwardAPI) {
    await writeDownward(dir, ctx.pod, volume.downwardAPI.items ?? [], mode);
    return dir;
  }
  if (volume.projected) {
    for (const source of volume.projected.sources ?? []) {
      if (source.serviceAccountToken) {
        const t = source.serviceAccountToken;
        const token = await ctx.tokens.token(
          ns,
          ctx.pod.spec?.serviceAccountName ?? 'default',
          t.audience ? [t.audience] : undefined,
          t.expirationSeconds ?? 3607,
        );
        await writeFile(dir, t.path, token, mode);
      } else if (source.configMap) {
        const data = await ctx.data.configMap(ns, source.configMap.name ?? '');
        const fallback = source.configMap.name === 'kube-root-ca.crt' ? { 'ca.crt': ctx.rootCa } : undefined;
        await writeItems(dir, data ?? fallback ?? {}, source.configMap.items, mode);
      } else if (source.secret) {
        await writeItems(
          dir,
          (await ctx.data.secret(ns, source.secret.name ?? '')) ?? {},
          source.secret.items,
          mode,
        );
      } else if (source.downwardAPI) {
        await writeDownward(dir, ctx.pod, source.downwardAPI.items ?? [], mode);
      }
    }
    return dir;
  }
  throw new LaunchError(
    'CreateContainerConfigError',
    `volume "${volume.name}" has a type the local node agent does not support (supported: emptyDir, configMap, secret, projected, downwardAPI, hostPath, persistentVolumeClaim)`,
  );
}

async function writeItems(
  dir: string,
  data: Record<string, string>,
  items: { key: string; path: string }[] | undefined,
  mode: number,
): Promise<void> {
  const selected = items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of selected) {
    const value = data[item.key];
    if (value !== undefined) await writeFile(dir, item.path, value, mode);
  }
}

async function writeDownward(
  dir: string,
  pod: V1Pod,
  items: { path: string; fieldRef?: { fieldPath: string } }[],
  mode: number,
): Promise<void> {
  for (const item of items) {
    const field = item.fieldRef?.fieldPath;
    let value = '';
    if (field === 'metadata.namespace') value = pod.metadata?.namespace ?? '';
    else if (field === 'metadata.name') value = pod.metadata?.name ?? '';
    else if (field === 'metadata.uid') value = pod.metadata?.uid ?? '';
    else if (field === 'metadata.labels') value = formatMap(pod.metadata?.labels);
    else if (field === 'metadata.annotations') value = formatMap(pod.metadata?.annotations);
    await writeFile(dir, item.path, value, mode);
  }
}

function formatMap(map: Record<string, string> | undefined): string {
  return Object.entries(map ?? {})
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join('\n');
}

async function writeFile(dir: string, relative: string, content: string, mode: number): Promise<void> {
  const target = path.join(dir, relative);
  if (!target.startsWith(dir + path.sep)) {
    throw new LaunchError('CreateContainerConfigError', `volume item path "${relative}" escapes the volume`);
  }
  await fsp.mkdir(path.dirname(target), { recursive: true, mode: mode === 0o600 ? 0o700 : 0o755 });
  await fsp.writeFile(target, content, { mode });
  // writeFile's mode applies only to a new file (and through the umask).
  await fsp.chmod(target, mode);
}
