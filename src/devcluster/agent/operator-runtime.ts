import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { toHostPath, type ContainerRuntime, type LaunchRequest } from './runtimes.ts';

/** This project's image (any registry), e.g. `flink-operator:0.1.0`, `ghcr.io/org/flink-operator@sha256:...`. */
const OPERATOR_IMAGE = /^(?:[^/]+\/)*flink-operator(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$/;
const ARTIFACTS_DIR = '/opt/flink/artifacts';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const CLI = fileURLToPath(new URL('../../../bin/flink-operator.js', import.meta.url));

/**
 * Runs containers of the operator's own image from this checkout: `node bin/flink-operator.js`
 * with the container's arguments (`run` by default, as the image's CMD), `FLINK_CONF_DIR` pointing
 * at the mounted ConfigMap's host folder, its servers bound to the pod's address, and in-cluster
 * credentials through a kubeconfig that reads the pod's projected token file (the client library
 * only looks for it under /var/run/secrets, which the pod's volume is not on the host).
 */
export function operatorRuntime(options: { apiServer: { host: string; port: number } }): ContainerRuntime {
  return {
    name: 'flink-operator (this project)',
    matches: (image) => OPERATOR_IMAGE.test(image),
    async plan(req) {
      const workDir = path.join(req.podDir, 'containers', req.container.name);
      await fsp.mkdir(workDir, { recursive: true });
      const env: Record<string, string> = { ...req.env };
      if (env.FLINK_CONF_DIR) env.FLINK_CONF_DIR = toHostPath(req.mounts, env.FLINK_CONF_DIR);
      // Session-job jars go to the artifacts volume's host folder (FLINK_PROPERTIES wins over the file).
      const artifacts = req.mounts.find((m) => m.containerPath === ARTIFACTS_DIR);
      if (artifacts) {
        env.FLINK_PROPERTIES = [
          env.FLINK_PROPERTIES,
          `kubernetes.operator.user.artifacts.base.dir: ${artifacts.hostPath}`,
        ]
          .filter(Boolean)
          .join('\n');
      }
      const kubeconfig = await inClusterKubeconfig(req, workDir, options.apiServer);
      if (kubeconfig) env.KUBECONFIG = kubeconfig;
      const args = req.container.args?.length ? req.container.args : ['run'];
      const bind = args[0] === 'run' && !args.includes('--bind-address') ? ['--bind-address', req.podIp] : [];
      return { command: process.execPath, args: [CLI, ...args, ...bind], env, cwd: workDir };
    },
  };
}

/** A kubeconfig equivalent to in-cluster config, with the token, CA and namespace files at their host paths. */
async function inClusterKubeconfig(
  req: LaunchRequest,
  workDir: string,
  apiServer: { host: string; port: number },
): Promise<string | undefined> {
  const tokenDir = toHostPath(req.mounts, SERVICE_ACCOUNT_DIR);
  if (tokenDir === SERVICE_ACCOUNT_DIR) return undefined;
  const namespace = req.pod.metadata?.namespace ?? 'default';
  const file = path.join(workDir, 'kubeconfig');
  await fsp.writeFile(
    file,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'in-cluster',
          cluster: {
            server: `https://${apiServer.host}:${apiServer.port}`,
            'certificate-authority': path.join(tokenDir, 'ca.crt'),
          },
        },
      ],
      // The token file is re-read as it is renewed, as in-cluster config does.
      users: [
        {
          name: 'service-account',
          user: { tokenFile: path.join(tokenDir, 'token') },
        },
      ],
      contexts: [
        { name: 'in-cluster', context: { cluster: 'in-cluster', user: 'service-account', namespace } },
      ],
      'current-context': 'in-cluster',
    }),
    { mode: 0o600 },
  );
  return file;
}
