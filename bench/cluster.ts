/**
 * The benchmark's control plane: the project's local etcd + kube-apiserver +
 * kube-controller-manager without the node agent, with an audit log that records every request of
 * the identities being measured (the operator, the floor client), so API requests are counted at
 * the API server, by user, with their times.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { startControlPlane, type ControlPlaneState } from '../src/devcluster/controlplane.ts';

export const BENCH_SYSTEM_NAMESPACE = 'bench-system';
/** Holds the API server's own `kubernetes` Service address (10.0.0.1), as the default range does. */
const SERVICE_RANGE = '10.0.0.0/16';

/** The measured identities, as the API server names them. */
export const userName = (serviceAccount: string) =>
  `system:serviceaccount:${BENCH_SYSTEM_NAMESPACE}:${serviceAccount}`;

export interface BenchCluster {
  state: ControlPlaneState;
  admin: k8s.KubeConfig;
  audit: AuditLog;
}

export async function startBenchCluster(dir: string, measured: string[]): Promise<BenchCluster> {
  const policyFile = path.join(dir, 'audit-policy.yaml');
  const auditFile = path.join(dir, 'audit.log');
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(
    policyFile,
    YAML.stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      rules: [{ level: 'Metadata', users: measured.map(userName) }, { level: 'None' }],
    }),
  );
  const state = await startControlPlane({
    dir,
    nodeAgent: false,
    extraArgs: {
      'kube-apiserver': [
        `--audit-policy-file=${policyFile}`,
        `--audit-log-path=${auditFile}`,
        '--audit-log-format=json',
        '--audit-log-maxsize=0',
        // A thousand clusters' writes and watches in a burst; the defaults (400/200) are for a
        // shared production API server, not a benchmark of the operator.
        '--max-requests-inflight=2000',
        '--max-mutating-requests-inflight=1000',
        // Every cluster's REST Service takes a ClusterIP: the default /24 holds 254.
        `--service-cluster-ip-range=${SERVICE_RANGE}`,
      ],
      // The Deployment and ReplicaSet controllers must keep up with 1,000 JobManager Deployments.
      'kube-controller-manager': [
        '--kube-api-qps=400',
        '--kube-api-burst=800',
        `--service-cluster-ip-range=${SERVICE_RANGE}`,
      ],
    },
  });
  const admin = new k8s.KubeConfig();
  admin.loadFromFile(state.kubeconfig);
  return { state, admin, audit: new AuditLog(auditFile) };
}

/**
 * A kubeconfig file for service account `name` of the bench namespace, bound to cluster-admin:
 * the operator runs with all rights (as the chart's role allows), under an identity of its own.
 */
export async function identityKubeconfig(cluster: BenchCluster, name: string, file: string): Promise<string> {
  const core = cluster.admin.makeApiClient(k8s.CoreV1Api);
  const rbac = cluster.admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  await core.createNamespace({ body: { metadata: { name: BENCH_SYSTEM_NAMESPACE } } }).catch(ignoreConflict);
  await core
    .createNamespacedServiceAccount({ namespace: BENCH_SYSTEM_NAMESPACE, body: { metadata: { name } } })
    .catch(ignoreConflict);
  await rbac
    .createClusterRoleBinding({
      body: {
        metadata: { name: `bench-${name}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name, namespace: BENCH_SYSTEM_NAMESPACE }],
      },
    })
    .catch(ignoreConflict);
  const token = await core.createNamespacedServiceAccountToken({
    name,
    namespace: BENCH_SYSTEM_NAMESPACE,
    body: { spec: { audiences: [], expirationSeconds: 4 * 3600 } },
  });
  const cluster0 = cluster.admin.getCurrentCluster()!;
  const ca = fs.readFileSync(path.join(cluster.state.dir, 'certs', 'ca.crt'));
  await fsp.writeFile(
    file,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'bench',
          cluster: { server: cluster0.server, 'certificate-authority-data': ca.toString('base64') },
        },
      ],
      users: [{ name, user: { token: token.status!.token } }],
      contexts: [{ name: 'bench', context: { cluster: 'bench', user: name } }],
      'current-context': 'bench',
    }),
    { mode: 0o600 },
  );
  return file;
}

export interface AuditedRequest {
  user: string;
  verb: string;
  resource: string;
  /** When the API server started answering (ms since the epoch). */
  at: number;
}

/**
 * The API server's audit log, read incrementally. A request counts once: a watch when it starts
 * (stage ResponseStarted), anything else when it completes.
 */
export class AuditLog {
  readonly requests: AuditedRequest[] = [];
  private offset = 0;
  private partial = '';

  constructor(private readonly file: string) {}

  /** Reads what the API server has written since the last call. */
  async catchUp(): Promise<void> {
    const handle = await fsp.open(this.file, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buffer.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        const event = JSON.parse(line) as {
          stage: string;
          verb: string;
          user?: { username?: string };
          objectRef?: { resource?: string; subresource?: string };
          stageTimestamp: string;
          requestReceivedTimestamp: string;
        };
        const counts =
          event.verb === 'watch' ? event.stage === 'ResponseStarted' : event.stage === 'ResponseComplete';
        if (!counts) continue;
        const ref = event.objectRef;
        this.requests.push({
          user: event.user?.username ?? '',
          verb: event.verb,
          resource: ref ? `${ref.resource ?? ''}${ref.subresource ? `/${ref.subresource}` : ''}` : '',
          at: Date.parse(event.requestReceivedTimestamp),
        });
      }
    } finally {
      await handle.close();
    }
  }

  /** Requests of `user` received in [from, to). */
  between(user: string, from: number, to: number): AuditedRequest[] {
    return this.requests.filter((r) => r.user === user && r.at >= from && r.at < to);
  }
}

function ignoreConflict(err: unknown): void {
  if ((err as { code?: number }).code !== 409) throw err;
}
