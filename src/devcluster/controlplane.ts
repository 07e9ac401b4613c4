import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { createClusterCertificates, type ClusterCertificates } from './certs.ts';
import { DevClusterError } from './errors.ts';
import { ensureBinaries } from './gobuild.ts';
import { freePort, portBusy } from './ports.ts';
import { waitHealthy } from './health.ts';
import { isRunning, startProcess, stopProcess, type ManagedProcess } from './processes.ts';
import { PINNED, binaryPath } from './versions.ts';

export interface ControlPlanePorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
}

export interface ControlPlaneOptions {
  /** Folder for data, certificates, logs, kubeconfig and the state file. */
  dir: string;
  /** Fixed ports; any left out is picked free. */
  ports?: Partial<ControlPlanePorts>;
  log?: (line: string) => void;
  /** How long to wait for each component to become healthy. */
  healthTimeoutMs?: number;
  /** Also start the node agent, which runs pods as local processes (default true). */
  nodeAgent?: boolean;
  /** The /16 of the loopback range the node agent gives pods (default 127.10). */
  podAddressPrefix?: string;
  /** Extra command-line flags per component (for example a shorter etcd compaction interval in tests). */
  extraArgs?: Partial<Record<ComponentName, string[]>>;
}

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'node-agent';

/** What a running control plane looks like on disk (`state.json`), so another process can use or stop it. */
export interface ControlPlaneState {
  dir: string;
  kubeconfig: string;
  server: string;
  ports: ControlPlanePorts;
  kubernetesVersion: string;
  processes: ManagedProcess[];
  startedAt: string;
}

export const SERVICE_CIDR = '10.0.0.0/24';
export const NODE_NAME = 'local-node';
const KUBERNETES_SERVICE_IP = '10.0.0.1';

const stateFile = (dir: string) => path.join(dir, 'state.json');

export async function readState(dir: string): Promise<ControlPlaneState | undefined> {
  try {
    return JSON.parse(await fsp.readFile(stateFile(dir), 'utf8')) as ControlPlaneState;
  } catch {
    return undefined;
  }
}

/**
 * Starts etcd, kube-apiserver and kube-controller-manager on loopback, waits until each is
 * healthy and writes a kubeconfig. On any failure it stops what it started and throws a
 * DevClusterError naming the step and its log file.
 */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlaneState> {
  const log = opts.log ?? (() => {});
  const timeout = opts.healthTimeoutMs ?? 90_000;
  const dir = path.resolve(opts.dir);
  const previous = await readState(dir);
  if (previous && previous.processes.some(isRunning)) {
    throw new DevClusterError(
      'starting the control plane',
      `one is already running from ${dir}; stop it first`,
    );
  }
  const ports = await choosePorts(opts.ports ?? {});
  await ensureBinaries(log);
  const extra = (name: ComponentName) => opts.extraArgs?.[name] ?? [];
  const logs = path.join(dir, 'logs');
  const certDir = path.join(dir, 'certs');
  await fsp.mkdir(logs, { recursive: true });
  await fsp.rm(path.join(dir, 'etcd-data'), { recursive: true, force: true });
  await fsp.mkdir(certDir, { recursive: true });
  const certs = await createClusterCertificates(KUBERNETES_SERVICE_IP);
  const files = await writeCertificates(certDir, certs);
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const adminTls: TlsClient = { ca: certs.ca.cert, cert: certs.admin.cert, key: certs.admin.key };
  const kubeconfig = path.join(dir, 'kubeconfig');
  await fsp.writeFile(kubeconfig, kubeconfigYaml(server, certs), { mode: 0o600 });

  const state: ControlPlaneState = {
    dir,
    kubeconfig,
    server,
    ports,
    kubernetesVersion: PINNED.kubernetes,
    processes: [],
    startedAt: new Date().toISOString(),
  };
  const saveState = () => fsp.writeFile(stateFile(dir), JSON.stringify(state, null, 2));

  try {
    log(`starting etcd on 127.0.0.1:${ports.etcdClient}`);
    const etcd = startProcess(
      'etcd',
      binaryPath('etcd'),
      [...etcdArgs(dir, ports), ...extra('etcd')],
      path.join(logs, 'etcd.log'),
    );
    state.processes.push(etcd);
    await saveState();
    await waitHealthy('etcd', etcd, timeout, () => httpOk(`http://127.0.0.1:${ports.etcdClient}/health`));

    log(`starting kube-apiserver on ${server}`);
    const apiserver = startProcess(
      'kube-apiserver',
      binaryPath('kube-apiserver'),
      [...apiserverArgs(dir, ports, files), ...extra('kube-apiserver')],
      path.join(logs, 'kube-apiserver.log'),
    );
    state.processes.push(apiserver);
    await saveState();
    await waitHealthy('kube-apiserver', apiserver, timeout, () => httpsOk(`${server}/readyz`, adminTls));

    log('starting kube-controller-manager');
    const kcm = startProcess(
      'kube-controller-manager',
      binaryPath('kube-controller-manager'),
      [...controllerManagerArgs(kubeconfig, files), ...extra('kube-controller-manager')],
      path.join(logs, 'kube-controller-manager.log'),
    );
    state.processes.push(kcm);
    await saveState();
    // The service-account controller creating `default` in namespace default shows the controllers run.
    await waitHealthy('kube-controller-manager', kcm, timeout, () =>
      httpsOk(`${server}/api/v1/namespaces/default/serviceaccounts/default`, adminTls),
    );
    if (opts.nodeAgent ?? true) {
      log(`starting the node agent (node ${NODE_NAME})`);
      const agent = startProcess(
        'node-agent',
        process.execPath,
        nodeAgentArgs(dir, kubeconfig, files, opts.podAddressPrefix),
        path.join(logs, 'node-agent.log'),
      );
      state.processes.push(agent);
      await saveState();
      await waitHealthy('node-agent', agent, timeout, () =>
        httpsOk(`${server}/api/v1/nodes/${NODE_NAME}`, adminTls),
      );
    }
    log(`control plane ready; KUBECONFIG=${kubeconfig}`);
    return state;
  } catch (err) {
    await stopControlPlane(dir);
    throw err;
  }
}

/** Records one more process of the local cluster (the operator), so `stopControlPlane` ends it too. */
export async function recordProcess(dir: string, proc: ManagedProcess): Promise<void> {
  const state = await readState(path.resolve(dir));
  if (!state) throw new DevClusterError('recording a process', `no local cluster runs from ${dir}`);
  state.processes.push(proc);
  await fsp.writeFile(stateFile(state.dir), JSON.stringify(state, null, 2));
}

/** Stops exactly the processes recorded in `dir`'s state file, newest first. */
export async function stopControlPlane(dir: string): Promise<ManagedProcess[]> {
  const state = await readState(path.resolve(dir));
  if (!state) return [];
  const stopped: ManagedProcess[] = [];
  for (const proc of [...state.processes].reverse()) {
    if (isRunning(proc)) {
      await stopProcess(proc);
      stopped.push(proc);
    }
  }
  await fsp.rm(stateFile(state.dir), { force: true });
  return stopped;
}

export interface ControlPlaneStatus {
  state?: ControlPlaneState;
  components: { name: string; pid: number; running: boolean; logFile: string }[];
  apiserverReady: boolean;
}

export async function controlPlaneStatus(dir: string): Promise<ControlPlaneStatus> {
  const state = await readState(path.resolve(dir));
  if (!state) return { components: [], apiserverReady: false };
  const components = state.processes.map((p) => ({
    name: p.name,
    pid: p.pid,
    running: isRunning(p),
    logFile: p.logFile,
  }));
  const kc = YAML.parse(await fsp.readFile(state.kubeconfig, 'utf8')) as KubeconfigShape;
  const user = kc.users[0]?.user;
  const ca = kc.clusters[0]?.cluster['certificate-authority-data'];
  const apiserverReady =
    user && ca
      ? await httpsOk(`${state.server}/readyz`, {
          ca: decode(ca),
          cert: decode(user['client-certificate-data']),
          key: decode(user['client-key-data']),
        })
      : false;
  return { state, components, apiserverReady };
}

async function choosePorts(fixed: Partial<ControlPlanePorts>): Promise<ControlPlanePorts> {
  const chosen: Partial<ControlPlanePorts> = {};
  for (const key of ['etcdClient', 'etcdPeer', 'apiserver'] as const) {
    const port = fixed[key];
    if (port !== undefined) {
      if (await portBusy(port)) {
        throw new DevClusterError('choosing ports', `port ${port} (${key}) on 127.0.0.1 is already in use`);
      }
      chosen[key] = port;
    } else {
      let port = await freePort();
      while (Object.values(chosen).includes(port)) port = await freePort();
      chosen[key] = port;
    }
  }
  return chosen as ControlPlanePorts;
}

interface CertificateFiles {
  ca: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
}

async function writeCertificates(certDir: string, certs: ClusterCertificates): Promise<CertificateFiles> {
  const files: CertificateFiles = {
    ca: path.join(certDir, 'ca.crt'),
    caKey: path.join(certDir, 'ca.key'),
    apiserverCert: path.join(certDir, 'apiserver.crt'),
    apiserverKey: path.join(certDir, 'apiserver.key'),
    serviceAccountKey: path.join(certDir, 'service-account.key'),
    serviceAccountPublicKey: path.join(certDir, 'service-account.pub'),
    kubeletClientCert: path.join(certDir, 'apiserver-kubelet-client.crt'),
    kubeletClientKey: path.join(certDir, 'apiserver-kubelet-client.key'),
  };
  await fsp.writeFile(files.ca, certs.ca.cert);
  await fsp.writeFile(files.caKey, certs.ca.key, { mode: 0o600 });
  await fsp.writeFile(files.apiserverCert, certs.apiserver.cert);
  await fsp.writeFile(files.apiserverKey, certs.apiserver.key, { mode: 0o600 });
  await fsp.writeFile(files.serviceAccountKey, certs.serviceAccountKey.key, { mode: 0o600 });
  await fsp.writeFile(files.serviceAccountPublicKey, certs.serviceAccountKey.publicKey);
  await fsp.writeFile(files.kubeletClientCert, certs.kubeletClient.cert);
  await fsp.writeFile(files.kubeletClientKey, certs.kubeletClient.key, { mode: 0o600 });
  return files;
}

function nodeAgentArgs(
  dir: string,
  kubeconfig: string,
  files: CertificateFiles,
  podAddressPrefix: string | undefined,
): string[] {
  const tsx = import.meta.resolve('tsx');
  const main = fileURLToPath(new URL('./agent/main.ts', import.meta.url));
  return [
    '--import',
    tsx,
    main,
    `--kubeconfig=${kubeconfig}`,
    `--dir=${path.join(dir, 'node')}`,
    `--ca=${files.ca}`,
    `--node=${NODE_NAME}`,
    ...(podAddressPrefix ? [`--pod-address-prefix=${podAddressPrefix}`] : []),
  ];
}

function etcdArgs(dir: string, ports: ControlPlanePorts): string[] {
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  return [
    '--name=local',
    `--data-dir=${path.join(dir, 'etcd-data')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=local=${peer}`,
    // A throwaway test store: durability across power loss does not matter, speed does.
    '--unsafe-no-fsync=true',
    '--quota-backend-bytes=4294967296',
    '--log-level=warn',
  ];
}

function apiserverArgs(dir: string, ports: ControlPlanePorts, files: CertificateFiles): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    `--cert-dir=${path.join(dir, 'certs')}`,
    `--tls-cert-file=${files.apiserverCert}`,
    `--tls-private-key-file=${files.apiserverKey}`,
    `--client-ca-file=${files.ca}`,
    `--secure-port=${ports.apiserver}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${files.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${files.serviceAccountKey}`,
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    // Loopback cannot be published as the `kubernetes` Service endpoint; local pods get the address directly.
    '--endpoint-reconciler-type=none',
    // The node agent serves container logs and exec on loopback only, to this client certificate only.
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-client-certificate=${files.kubeletClientCert}`,
    `--kubelet-client-key=${files.kubeletClientKey}`,
    '--profiling=false',
  ];
}

function controllerManagerArgs(kubeconfig: string, files: CertificateFiles): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--use-service-account-credentials=false',
    `--service-account-private-key-file=${files.serviceAccountKey}`,
    `--root-ca-file=${files.ca}`,
    `--cluster-signing-cert-file=${files.ca}`,
    `--cluster-signing-key-file=${files.caKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    // Pods here have loopback addresses, which Endpoints and EndpointSlices refuse: those
    // controllers could only emit warnings. Clients find pods by the Service's selector instead.
    '--controllers=*,-endpoint,-endpointslice,-endpointslicemirroring',
    '--profiling=false',
  ];
}

interface KubeconfigShape {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

const encode = (pem: string) => Buffer.from(pem).toString('base64');
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

function kubeconfigYaml(server: string, certs: ClusterCertificates): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'flink-operator-local',
        cluster: { server, 'certificate-authority-data': encode(certs.ca.cert) },
      },
    ],
    users: [
      {
        name: 'local-admin',
        user: {
          'client-certificate-data': encode(certs.admin.cert),
          'client-key-data': encode(certs.admin.key),
        },
      },
    ],
    contexts: [
      { name: 'flink-operator-local', context: { cluster: 'flink-operator-local', user: 'local-admin' } },
    ],
    'current-context': 'flink-operator-local',
  });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

interface TlsClient {
  ca: string;
  cert: string;
  key: string;
}

function httpsOk(url: string, tls: TlsClient): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
