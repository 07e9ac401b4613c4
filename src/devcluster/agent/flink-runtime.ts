import fsp from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ensureFlinkDistribution } from '../../flink/dist/distribution.ts';
import { PINNED_FLINK_RELEASES, pinnedFlinkRelease } from '../../flink/dist/versions.ts';
import { planContainerLaunch, UnsupportedContainerCommand } from '../../flink/process/entrypoint.ts';
import { IMAGE_FLINK_HOME, prepareFlinkProcess } from '../../flink/process/launcher.ts';
import { LaunchError, type ContainerRuntime, type HostMount, type LaunchRequest } from './runtimes.ts';

/** The Flink image's repository (any registry), with an optional tag or digest. */
const FLINK_IMAGE = /^(?:[^/]+\/)*flink(?::([\w.-]+))?(?:@sha256:[0-9a-f]+)?$/;
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const DEFAULT_LINE = PINNED_FLINK_RELEASES[0]!.line;

export interface FlinkRuntimeOptions {
  /** Service names of a namespace (`svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`) and the pod addresses behind them. */
  serviceAliases: (namespace: string) => Promise<Record<string, string>>;
  /** The API server as pods reach it. */
  apiServer: { host: string; port: number };
}

/**
 * Runs containers of the Flink image as local JVMs: the image's entrypoint is replaced by our
 * launch planner, the distribution of the image's Flink version is assembled from registry
 * artifacts (cached), paths under the image's FLINK_HOME and the pod's mounts map to host folders,
 * and Service names resolve to pod addresses through a per-process hosts file. Native JobManagers
 * reach the API server with their service-account token through a kubeconfig.
 */
export function flinkRuntime(options: FlinkRuntimeOptions): ContainerRuntime {
  return {
    name: 'Flink (apache/flink)',
    matches: (image) => FLINK_IMAGE.test(image),
    async plan(req) {
      const tag = FLINK_IMAGE.exec(req.container.image ?? '')?.[1];
      let release;
      try {
        release = pinnedFlinkRelease(tag && tag !== 'latest' ? tag : DEFAULT_LINE);
      } catch (err) {
        throw new LaunchError('ErrImagePull', `image "${req.container.image}": ${(err as Error).message}`);
      }
      const dist = await ensureFlinkDistribution(release.version);
      let launch;
      try {
        launch = planContainerLaunch({
          ...(req.container.command ? { command: req.container.command } : {}),
          ...(req.container.args ? { args: req.container.args } : {}),
          env: req.env,
          hostname: req.pod.metadata?.name ?? 'flink',
        });
      } catch (err) {
        if (err instanceof UnsupportedContainerCommand)
          throw new LaunchError('RunContainerError', err.message);
        throw err;
      }
      const podName = req.pod.metadata?.name ?? 'flink';
      const namespace = req.pod.metadata?.namespace ?? 'default';
      const workDir = path.join(req.podDir, 'containers', req.container.name);
      await fsp.mkdir(workDir, { recursive: true });
      const confMount = req.mounts.find((m) => m.containerPath === `${IMAGE_FLINK_HOME}/conf`);
      const usrlibMount = req.mounts.find((m) => m.containerPath === `${IMAGE_FLINK_HOME}/usrlib`);
      const kubeconfig = await serviceAccountKubeconfig(req, workDir, options.apiServer);
      const prepared = await prepareFlinkProcess({
        dist,
        plan: launch,
        name: podName,
        workDir,
        bindAddress: req.podIp,
        ...(confMount ? { baseConfDir: confMount.hostPath } : {}),
        // A ConfigMap conf folder is read-only in a pod, so the image entrypoint's writes do not stick there.
        applyImageConfig: !confMount,
        ...(usrlibMount ? { usrlibDir: usrlibMount.hostPath } : {}),
        env: { ...req.env, ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}) },
        hostname: podName,
        hostAliases: await options.serviceAliases(namespace),
        pathMappings: req.mounts.map((m: HostMount) => ({
          containerPath: m.containerPath,
          hostPath: m.hostPath,
        })),
      });
      const [command, ...args] = prepared.command as [string, ...string[]];
      // Paths of the image outside the mounts (/opt/flink/conf/config.yaml, ...) are in the FLINK_HOME view.
      const pathMappings = [
        ...req.mounts,
        { containerPath: IMAGE_FLINK_HOME, hostPath: prepared.cwd, readOnly: false },
      ];
      return { command, args, env: prepared.env, cwd: prepared.cwd, pathMappings };
    },
  };
}

/** A kubeconfig with the pod's service-account token, for Flink's Kubernetes client. */
async function serviceAccountKubeconfig(
  req: LaunchRequest,
  workDir: string,
  apiServer: { host: string; port: number },
): Promise<string | undefined> {
  const mount = req.mounts.find((m) => m.containerPath === SERVICE_ACCOUNT_DIR);
  if (!mount) return undefined;
  const token = (await fsp.readFile(path.join(mount.hostPath, 'token'), 'utf8').catch(() => '')).trim();
  const ca = await fsp.readFile(path.join(mount.hostPath, 'ca.crt'), 'utf8').catch(() => '');
  if (!token) return undefined;
  const file = path.join(workDir, 'kubeconfig');
  const namespace = req.pod.metadata?.namespace ?? 'default';
  await fsp.writeFile(
    file,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'local',
          cluster: {
            server: `https://${apiServer.host}:${apiServer.port}`,
            ...(ca ? { 'certificate-authority-data': Buffer.from(ca).toString('base64') } : {}),
          },
        },
      ],
      users: [{ name: 'pod', user: { token } }],
      contexts: [{ name: 'pod', context: { cluster: 'local', user: 'pod', namespace } }],
      'current-context': 'pod',
    }),
    { mode: 0o600 },
  );
  return file;
}
