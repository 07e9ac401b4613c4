import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { resolveEnv, type DataSource } from './env.ts';
import { expandCommandAndArgs } from './expansion.ts';
import { decideContainer, podPhase, type ContainerRun } from './restart.ts';
import { startKubeletServer, type ExecLocator } from './kubelet-server.ts';
import { defaultRuntimes } from './default-runtimes.ts';
import { findRuntime, LaunchError, type ContainerRuntime, type HostMount } from './runtimes.ts';
import { containerMounts, materializeVolumes, type TokenSource } from './volumes.ts';
import { DEFAULT_POD_ADDRESS_PREFIX } from '../pod-network.ts';
import { KUBELET_CLIENT_NAME } from '../certs.ts';
import type { ExecTarget } from './exec.ts';

export interface NodeAgentOptions {
  kubeConfig: k8s.KubeConfig;
  nodeName: string;
  /** Pod folders, claims and logs live here. */
  dataDir: string;
  /** How containers run; by default the Flink image and small shell images. */
  runtimes?: ContainerRuntime[];
  /** The API server as local processes reach it. */
  apiServer: { host: string; port: number; caFile: string };
  /** First octets of the loopback addresses given to pods, e.g. "127.10". */
  podAddressPrefix?: string;
  log?: (line: string) => void;
  syncIntervalMs?: number;
}

interface ContainerState {
  name: string;
  /** Passed its startup/readiness probe (or has none) since it last started. */
  ready?: boolean;
  probing?: boolean;
  process?: ChildProcess;
  run?: ContainerRun;
  /** The run before the current one, shown as the container's last state. */
  previous?: ContainerRun;
  waiting?: { reason: string; message: string };
  logFile: string;
  nextStartMs?: number;
  /** How the running process was started: what a command exec'd into the container gets. */
  exec?: Omit<ExecTarget, 'mainPid'>;
}

interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  podIp: string;
  podDir: string;
  startTime: Date;
  volumes?: Map<string, string>;
  init: ContainerState[];
  main: ContainerState[];
  terminating: boolean;
  lastStatus?: string;
}

const POD_NODE_LABEL = 'kubernetes.io/hostname';

/**
 * Plays the kubelet for the local cluster: registers a Node, binds pending pods to it, runs their
 * containers as local processes (each pod on its own loopback address), reports pod status and
 * ends the processes of deleted pods. Level-triggered: every sync compares the pods in the API
 * server with the processes it runs.
 */
export class NodeAgent {
  private readonly core: k8s.CoreV1Api;
  private readonly coordination: k8s.CoordinationV1Api;
  private readonly pods = new Map<string, PodRecord>();
  private readonly log: (line: string) => void;
  private informer?: k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>;
  private timers: NodeJS.Timeout[] = [];
  private syncing = false;
  private syncAgain = false;
  private stopped = false;
  private nextAddress = 1;
  private kubeletServer?: { port: number; close: () => Promise<void> };
  private readonly runtimes: ContainerRuntime[];

  constructor(private readonly opts: NodeAgentOptions) {
    this.core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.coordination = opts.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
    this.log = opts.log ?? (() => {});
    this.runtimes =
      opts.runtimes ??
      defaultRuntimes({
        serviceAliases: (namespace) => this.serviceAliases(namespace),
        apiServer: { host: opts.apiServer.host, port: opts.apiServer.port },
      });
  }

  /**
   * What cluster DNS would answer for the Services of a namespace: each Service name (short and
   * qualified) maps to the address of a running pod it selects, and `kubernetes` to the API server.
   */
  async serviceAliases(namespace: string): Promise<Record<string, string>> {
    const aliases: Record<string, string> = {};
    const names = (svc: string, ns: string) => [
      svc,
      `${svc}.${ns}`,
      `${svc}.${ns}.svc`,
      `${svc}.${ns}.svc.cluster.local`,
    ];
    for (const n of names('kubernetes', 'default')) aliases[n] = this.opts.apiServer.host;
    const services = await this.core.listNamespacedService({ namespace });
    const pods = (this.informer?.list() ?? []).filter(
      (p) => p.metadata?.namespace === namespace && p.status?.podIP && !p.metadata.deletionTimestamp,
    );
    for (const svc of services.items) {
      const selector = svc.spec?.selector;
      if (!selector || Object.keys(selector).length === 0) continue;
      const target = pods.find((p) =>
        Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v),
      );
      if (!target) continue;
      for (const n of names(svc.metadata!.name!, namespace)) aliases[n] = target.status!.podIP!;
    }
    return aliases;
  }

  async start(): Promise<void> {
    await fsp.mkdir(path.join(this.opts.dataDir, 'pods'), { recursive: true });
    this.kubeletServer = await startKubeletServer({
      locateLog: (namespace, name, container) => this.findContainer(namespace, name, container)?.logFile,
      locateExec: this.locateExec,
      clientCa: fs.readFileSync(this.opts.apiServer.caFile, 'utf8'),
      clientNames: [KUBELET_CLIENT_NAME],
    });
    await this.registerNode();
    await this.renewLease();
    this.informer = k8s.makeInformer(this.opts.kubeConfig, '/api/v1/pods', () =>
      this.core.listPodForAllNamespaces(),
    );
    const trigger = () => this.requestSync();
    this.informer.on('add', trigger);
    this.informer.on('update', trigger);
    this.informer.on('delete', trigger);
    this.informer.on('error', () => {
      if (!this.stopped) setTimeout(() => void this.informer?.start().catch(() => undefined), 1000);
    });
    await this.informer.start();
    this.timers.push(setInterval(() => this.requestSync(), this.opts.syncIntervalMs ?? 2000));
    const report = (what: string) => (err: unknown) => this.log(`${what} failed: ${String(err)}`);
    this.timers.push(
      setInterval(() => void this.renewLease().catch(report('renewing the node lease')), 10_000),
    );
    this.timers.push(
      setInterval(() => void this.registerNode().catch(report('updating the node status')), 60_000),
    );
    this.requestSync();
  }

  /** Stops syncing and ends every container process this agent started. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    await this.informer?.stop();
    await this.kubeletServer?.close();
    await Promise.all([...this.pods.values()].map((p) => this.killPod(p, 5)));
  }

  private findContainer(namespace: string, pod: string, container: string): ContainerState | undefined {
    const record = [...this.pods.values()].find(
      (p) => p.namespace === namespace && p.name === pod && !p.terminating,
    );
    return [...(record?.init ?? []), ...(record?.main ?? [])].find((c) => c.name === container);
  }

  private readonly locateExec: ExecLocator = (namespace, pod, container) => {
    const state = this.findContainer(namespace, pod, container);
    const pid = state?.process?.pid;
    if (!state || pid === undefined || !state.exec) {
      return { notFound: `container "${container}" of pod ${namespace}/${pod} is not running on this node` };
    }
    return { target: { mainPid: pid, ...state.exec } };
  };

  private requestSync(): void {
    if (this.stopped) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    void this.sync()
      .catch((err) => this.log(`sync failed: ${String(err)}`))
      .finally(() => {
        this.syncing = false;
        if (this.syncAgain) {
          this.syncAgain = false;
          this.requestSync();
        }
      });
  }

  private async sync(): Promise<void> {
    const pods = this.informer?.list() ?? [];
    const seen = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata?.uid;
      if (!uid) continue;
      if (!pod.spec?.nodeName) {
        if (
          !pod.metadata?.deletionTimestamp &&
          (pod.spec?.schedulerName ?? 'default-scheduler') === 'default-scheduler'
        ) {
          await this.bind(pod);
        }
        continue;
      }
      if (pod.spec.nodeName !== this.opts.nodeName) continue;
      seen.add(uid);
      await this.syncPod(pod).catch((err) =>
        this.log(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${String(err)}`),
      );
    }
    for (const [uid, record] of this.pods) {
      if (!seen.has(uid)) {
        await this.killPod(record, 0);
        this.pods.delete(uid);
      }
    }
  }

  private async bind(pod: k8s.V1Pod): Promise<void> {
    await this.core
      .createNamespacedPodBinding({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        body: {
          metadata: { name: pod.metadata!.name!, namespace: pod.metadata!.namespace! },
          target: { apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName },
        },
      })
      .catch((err) => this.log(`binding ${pod.metadata?.name} failed: ${String(err)}`));
  }

  private async syncPod(pod: k8s.V1Pod): Promise<void> {
    const record = this.recordFor(pod);
    if (pod.metadata?.deletionTimestamp) {
      if (!record.terminating) {
        record.terminating = true;
        await this.killPod(record, pod.metadata.deletionGracePeriodSeconds ?? 30);
        await this.core
          .deleteNamespacedPod({ name: record.name, namespace: record.namespace, gracePeriodSeconds: 0 })
          .catch(() => undefined);
      }
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      await this.reportStatus(pod, record);
      return;
    }
    try {
      if (!record.volumes) record.volumes = await materializeVolumes(this.volumeContext(pod, record));
      await this.runContainers(pod, record);
    } catch (err) {
      const waiting =
        err instanceof LaunchError
          ? { reason: err.reason, message: err.message }
          : { reason: 'CreateContainerError', message: String(err) };
      for (const c of [...record.init, ...record.main])
        if (!c.run || c.run.exitCode !== undefined) c.waiting = waiting;
    }
    await this.reportStatus(pod, record);
  }

  private async runContainers(pod: k8s.V1Pod, record: PodRecord): Promise<void> {
    const now = Date.now();
    const initSpecs = pod.spec?.initContainers ?? [];
    for (const [i, spec] of initSpecs.entries()) {
      const state = record.init[i]!;
      if (state.run?.exitCode === 0) continue;
      const failed = state.run?.exitCode !== undefined;
      if (failed && pod.spec?.restartPolicy === 'Never') return;
      if (!state.process && (!failed || now >= (state.nextStartMs ?? 0)))
        await this.startContainer(pod, record, spec, state);
      return;
    }
    for (const [i, spec] of (pod.spec?.containers ?? []).entries()) {
      const state = record.main[i]!;
      if (state.process && !state.ready) this.probe(spec, state, record.podIp);
      const decision = decideContainer(pod.spec?.restartPolicy, state.run, now);
      if (decision.action === 'start') await this.startContainer(pod, record, spec, state);
      else if (decision.action === 'wait') {
        state.waiting = {
          reason: 'CrashLoopBackOff',
          message: `back-off restarting failed container ${spec.name}`,
        };
      }
    }
  }

  private async startContainer(
    pod: k8s.V1Pod,
    record: PodRecord,
    spec: k8s.V1Container,
    state: ContainerState,
  ): Promise<void> {
    const runtime = findRuntime(this.runtimes, spec.image ?? '');
    const mounts: HostMount[] = containerMounts(spec, record.volumes ?? new Map());
    const containerEnv = {
      ...(await resolveEnv(pod, spec, record.podIp, this.dataSource())),
      KUBERNETES_SERVICE_HOST: this.opts.apiServer.host,
      KUBERNETES_SERVICE_PORT: String(this.opts.apiServer.port),
    };
    // HOSTNAME comes from the container runtime, not the pod spec: the kubelet does not expand it.
    const env = { ...containerEnv, HOSTNAME: pod.spec?.hostname ?? record.name };
    const plan = await runtime.plan({
      pod,
      container: expandCommandAndArgs(spec, containerEnv),
      env,
      mounts,
      podDir: record.podDir,
      podIp: record.podIp,
    });
    const restartCount = state.run ? state.run.restartCount + 1 : 0;
    const out = fs.openSync(state.logFile, 'a');
    const child = spawn(plan.command, plan.args, {
      cwd: plan.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...plan.env },
      detached: true,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    const run: ContainerRun = { startedAt: new Date(), restartCount };
    if (state.run?.exitCode !== undefined) state.previous = state.run;
    state.process = child;
    state.exec = { env: plan.env, cwd: plan.cwd, pathMappings: plan.pathMappings ?? mounts };
    state.run = run;
    state.waiting = undefined;
    state.ready = !httpProbe(spec);
    child.on('error', (err) => {
      fs.appendFileSync(state.logFile, `failed to start ${plan.command}: ${err.message}\n`);
    });
    child.on('exit', (code, signal) => {
      run.exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 9) : 1);
      run.reason = run.exitCode === 0 ? 'Completed' : 'Error';
      run.finishedAt = new Date();
      if (run.exitCode !== 0 && spec.terminationMessagePolicy === 'FallbackToLogsOnError') {
        const tail = logTail(state.logFile);
        if (tail) run.message = tail;
      }
      state.process = undefined;
      state.exec = undefined;
      // The container is gone with its main process, as a PID namespace goes with its PID 1.
      signalGroup(child.pid!, 'SIGKILL');
      state.nextStartMs = Date.now() + 2000;
      this.requestSync();
    });
    this.log(
      `started ${record.namespace}/${record.name}/${spec.name} (${runtime.name}) on ${record.podIp}: ${plan.command}`,
    );
  }

  /** Runs the container's HTTP startup or readiness probe once; success makes it Ready. */
  private probe(spec: k8s.V1Container, state: ContainerState, podIp: string): void {
    const probe = httpProbe(spec);
    if (!probe || state.probing) return;
    const port =
      typeof probe.port === 'number'
        ? probe.port
        : (spec.ports?.find((p) => p.name === probe.port)?.containerPort ?? Number(probe.port));
    state.probing = true;
    const url = `${(probe.scheme ?? 'HTTP').toLowerCase()}://${podIp}:${port}${probe.path ?? '/'}`;
    void fetch(url, { signal: AbortSignal.timeout(1000) })
      .then((res) => {
        if (res.status >= 200 && res.status < 400 && state.process) {
          state.ready = true;
          this.requestSync();
        }
      })
      .catch(() => undefined)
      .finally(() => (state.probing = false));
  }

  private async killPod(record: PodRecord, graceSeconds: number): Promise<void> {
    const live = [...record.init, ...record.main].filter((c) => c.process?.pid !== undefined);
    await Promise.all(live.map((c) => killGroup(c.process!, graceSeconds * 1000)));
  }

  private recordFor(pod: k8s.V1Pod): PodRecord {
    const uid = pod.metadata!.uid!;
    let record = this.pods.get(uid);
    if (record) return record;
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const podDir = path.join(this.opts.dataDir, 'pods', `${namespace}_${name}_${uid}`);
    fs.mkdirSync(path.join(podDir, 'logs'), { recursive: true });
    const container = (c: k8s.V1Container): ContainerState => ({
      name: c.name,
      logFile: path.join(podDir, 'logs', `${c.name}.log`),
    });
    record = {
      uid,
      namespace,
      name,
      podIp: pod.status?.podIP ?? this.allocateAddress(),
      podDir,
      startTime: new Date(),
      init: (pod.spec?.initContainers ?? []).map(container),
      main: (pod.spec?.containers ?? []).map(container),
      terminating: false,
    };
    this.pods.set(uid, record);
    return record;
  }

  private allocateAddress(): string {
    const prefix = this.opts.podAddressPrefix ?? DEFAULT_POD_ADDRESS_PREFIX;
    const used = new Set([...this.pods.values()].map((p) => p.podIp));
    for (;;) {
      const n = this.nextAddress++;
      const ip = `${prefix}.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
      if (!used.has(ip)) return ip;
    }
  }

  private async reportStatus(pod: k8s.V1Pod, record: PodRecord): Promise<void> {
    const status = buildStatus(pod, record);
    const serialized = JSON.stringify(status);
    if (serialized === record.lastStatus) return;
    await this.core.patchNamespacedPodStatus(
      { name: record.name, namespace: record.namespace, body: { status } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    record.lastStatus = serialized;
  }

  private volumeContext(pod: k8s.V1Pod, record: PodRecord) {
    const tokens: TokenSource = {
      token: async (namespace, serviceAccount, audiences, expirationSeconds) => {
        const res = await this.core.createNamespacedServiceAccountToken({
          name: serviceAccount,
          namespace,
          body: { spec: { audiences: audiences ?? [], expirationSeconds } },
        });
        return res.status?.token ?? '';
      },
    };
    return {
      pod,
      podDir: record.podDir,
      claimsDir: path.join(this.opts.dataDir, 'claims'),
      data: this.dataSource(),
      tokens,
      rootCa: fs.readFileSync(this.opts.apiServer.caFile, 'utf8'),
    };
  }

  private dataSource(): DataSource {
    return {
      configMap: async (namespace, name) => {
        const cm = await this.core.readNamespacedConfigMap({ name, namespace }).catch(() => undefined);
        if (!cm) return undefined;
        const binary = Object.fromEntries(
          Object.entries(cm.binaryData ?? {}).map(([k, v]) => [
            k,
            Buffer.from(v, 'base64').toString('latin1'),
          ]),
        );
        return { ...cm.data, ...binary };
      },
      secret: async (namespace, name) => {
        const secret = await this.core.readNamespacedSecret({ name, namespace }).catch(() => undefined);
        if (!secret) return undefined;
        return Object.fromEntries(
          Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      },
    };
  }

  private async registerNode(): Promise<void> {
    const node: k8s.V1Node = {
      metadata: {
        name: this.opts.nodeName,
        labels: { [POD_NODE_LABEL]: this.opts.nodeName, 'kubernetes.io/os': 'linux' },
      },
    };
    await this.core.createNode({ body: node }).catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
    const now = new Date();
    const memory = `${Math.floor(os.totalmem() / 1024 / 1024)}Mi`;
    await this.core.patchNodeStatus(
      {
        name: this.opts.nodeName,
        body: {
          status: {
            // Pods are bound by the agent itself, so capacity is informational and generous.
            capacity: { cpu: '64', memory, pods: '1000' },
            allocatable: { cpu: '64', memory, pods: '1000' },
            daemonEndpoints: { kubeletEndpoint: { Port: this.kubeletServer?.port ?? 0 } },
            // The API server then proxies exec's WebSocket to the agent instead of translating it to SPDY.
            declaredFeatures: ['ExtendWebSocketsToKubelet'],
            addresses: [
              { type: 'InternalIP', address: '127.0.0.1' },
              { type: 'Hostname', address: this.opts.nodeName },
            ],
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'KubeletReady',
                message: 'flink-operator local node agent is ready',
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              },
            ],
            nodeInfo: {
              architecture: os.arch(),
              bootID: '',
              containerRuntimeVersion: 'local-process://1',
              kernelVersion: os.release(),
              kubeProxyVersion: '',
              kubeletVersion: 'v1.37.2',
              machineID: '',
              operatingSystem: 'linux',
              osImage: 'local',
              systemUUID: '',
            },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  /** The node's heartbeat: without it the node lifecycle controller marks the node's pods not ready. */
  private async renewLease(): Promise<void> {
    const spec = {
      holderIdentity: this.opts.nodeName,
      leaseDurationSeconds: 40,
      // MicroTime wants exactly six fractional digits.
      renewTime: new Date().toISOString().replace(/Z$/, '000Z') as unknown as k8s.V1MicroTime,
    };
    await this.coordination
      .patchNamespacedLease(
        { name: this.opts.nodeName, namespace: 'kube-node-lease', body: { spec } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(async (err: unknown) => {
        if ((err as { code?: number }).code !== 404) throw err;
        await this.coordination.createNamespacedLease({
          namespace: 'kube-node-lease',
          body: { metadata: { name: this.opts.nodeName, namespace: 'kube-node-lease' }, spec },
        });
      });
  }
}

function httpProbe(spec: k8s.V1Container): k8s.V1HTTPGetAction | undefined {
  return spec.startupProbe?.httpGet ?? spec.readinessProbe?.httpGet;
}

function killGroup(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const pid = child.pid;
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      signalGroup(pid, 'SIGKILL'); // leftovers in the group
      resolve();
    });
    signalGroup(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  });
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is gone
  }
}

/** The kubelet's fallback termination message: the last 80 lines of the log, at most 2048 bytes. */
export function logTail(file: string): string | undefined {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const lines = text.replace(/\n+$/, '').split('\n').slice(-80).join('\n');
  const bytes = Buffer.from(lines, 'utf8');
  return (bytes.length > 2048 ? bytes.subarray(bytes.length - 2048).toString('utf8') : lines) || undefined;
}

function terminatedState(run: ContainerRun): k8s.V1ContainerStateTerminated {
  return {
    exitCode: run.exitCode!,
    reason: run.reason,
    ...(run.message ? { message: run.message } : {}),
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

function containerStatus(spec: k8s.V1Container, state: ContainerState): k8s.V1ContainerStatus {
  const run = state.run;
  const running = run && run.exitCode === undefined;
  const ready = Boolean(running && state.ready);
  const terminated = run && run.exitCode !== undefined ? run : undefined;
  let current: k8s.V1ContainerState;
  if (running) current = { running: { startedAt: run.startedAt } };
  else if (state.waiting) current = { waiting: state.waiting };
  else if (terminated) current = { terminated: terminatedState(terminated) };
  else current = { waiting: { reason: 'ContainerCreating' } };
  // As the kubelet shows it: the run that ended before this state (waiting to restart, or restarted).
  const last = state.waiting && terminated ? terminated : running ? state.previous : undefined;
  return {
    name: spec.name,
    image: spec.image ?? '',
    imageID: '',
    ready,
    started: Boolean(running),
    restartCount: run?.restartCount ?? 0,
    state: current,
    ...(last ? { lastState: { terminated: terminatedState(last) } } : {}),
  };
}

function buildStatus(pod: k8s.V1Pod, record: PodRecord): k8s.V1PodStatus {
  const mainSpecs = pod.spec?.containers ?? [];
  const initSpecs = pod.spec?.initContainers ?? [];
  const phase = podPhase(
    pod,
    record.main.map((c) => c.run),
  );
  const ready =
    phase === 'Running' && record.main.every((c) => c.run && c.run.exitCode === undefined && c.ready);
  const initialized = record.init.every((c) => c.run?.exitCode === 0);
  const condition = (type: string, ok: boolean): k8s.V1PodCondition => ({
    type,
    status: ok ? 'True' : 'False',
    lastTransitionTime: record.startTime,
  });
  const failedInit = record.init.find((c) => c.run?.exitCode !== undefined && c.run.exitCode !== 0);
  return {
    phase: failedInit && pod.spec?.restartPolicy === 'Never' ? 'Failed' : phase,
    hostIP: '127.0.0.1',
    podIP: record.podIp,
    podIPs: [{ ip: record.podIp }],
    startTime: record.startTime,
    conditions: [
      condition('PodScheduled', true),
      condition('Initialized', initialized),
      condition('ContainersReady', ready),
      condition('Ready', ready),
    ],
    initContainerStatuses: initSpecs.map((s, i) => containerStatus(s, record.init[i]!)),
    containerStatuses: mainSpecs.map((s, i) => containerStatus(s, record.main[i]!)),
  };
}
