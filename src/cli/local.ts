import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import {
  controlPlaneStatus,
  readState,
  startControlPlane,
  stopControlPlane,
} from '../devcluster/controlplane.ts';
import { ensureBinaries } from '../devcluster/gobuild.ts';
import { binDir } from '../devcluster/versions.ts';

/** Where `flink-operator local` keeps its cluster: data, logs, certificates, kubeconfig. */
export function defaultLocalDir(): string {
  const stateHome = process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state');
  return path.join(stateHome, 'flink-operator', 'local');
}

export const DEFAULT_LOCAL_PORTS = { apiserver: 16443, etcdClient: 12379, etcdPeer: 12380 };

export interface LocalOptions {
  dir: string;
  apiserverPort: number;
}

const say = (line: string) => console.log(line);

export async function localUp(opts: LocalOptions, { quiet = false } = {}): Promise<void> {
  const status = await controlPlaneStatus(opts.dir);
  const core = status.components.filter((c) => c.name !== 'operator');
  if (status.state && core.every((c) => c.running) && status.apiserverReady) {
    say(`the local cluster is already running at ${status.state.server}`);
    if (!quiet) printUsage(status.state.kubeconfig);
    return;
  }
  if (status.state) await stopControlPlane(opts.dir);
  const started = Date.now();
  const state = await startControlPlane({
    dir: opts.dir,
    ports: { ...DEFAULT_LOCAL_PORTS, apiserver: opts.apiserverPort },
    log: say,
  });
  say(`local cluster up in ${((Date.now() - started) / 1000).toFixed(1)}s at ${state.server}`);
  if (!quiet) printUsage(state.kubeconfig);
}

function printUsage(kubeconfig: string): void {
  say('');
  say(`  export KUBECONFIG=${kubeconfig}`);
  say(`  export PATH=${binDir()}:$PATH   # kubectl and helm built for this cluster`);
  say('  kubectl get nodes,pods -A');
  say('');
}

export async function localDown(opts: LocalOptions): Promise<void> {
  const stopped = await stopControlPlane(opts.dir);
  if (stopped.length === 0) say('no local cluster was running');
  else say(`stopped ${stopped.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);
}

export async function localStatus(opts: LocalOptions): Promise<number> {
  const status = await controlPlaneStatus(opts.dir);
  if (!status.state) {
    say(`no local cluster in ${opts.dir}`);
    return 1;
  }
  say(`server: ${status.state.server} (Kubernetes ${status.state.kubernetesVersion})`);
  say(`kubeconfig: ${status.state.kubeconfig}`);
  for (const c of status.components) {
    say(
      `  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.running ? 'running' : 'STOPPED'}  log: ${c.logFile}`,
    );
  }
  say(`api server ready: ${status.apiserverReady ? 'yes' : 'no'}`);
  return status.apiserverReady && status.components.every((c) => c.running) ? 0 : 1;
}

export async function localKubeconfig(opts: LocalOptions, print: boolean): Promise<number> {
  const state = await readState(opts.dir);
  if (!state) {
    console.error(`no local cluster in ${opts.dir}; run \`flink-operator local up\` first`);
    return 1;
  }
  say(print ? fs.readFileSync(state.kubeconfig, 'utf8') : state.kubeconfig);
  return 0;
}

export async function localBuild(): Promise<void> {
  say(`binaries in ${await ensureBinaries(say)}`);
}
