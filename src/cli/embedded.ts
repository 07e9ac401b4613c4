/**
 * `flink-operator embedded`: the whole system on this machine. Starts the local control plane and
 * node agent, installs the CRDs, starts the operator in the background, applies the example
 * FlinkDeployment and waits until its job runs on real Flink.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { installCrds, type FlinkDeployment } from '../api/index.ts';
import { readState, recordProcess } from '../devcluster/controlplane.ts';
import { DevClusterError } from '../devcluster/errors.ts';
import { ensureFlinkServiceAccount } from '../devcluster/flink-rbac.ts';
import { freePort } from '../devcluster/ports.ts';
import { isRunning, logTail, startProcess } from '../devcluster/processes.ts';
import { binDir } from '../devcluster/versions.ts';
import { localUp, type LocalOptions } from './local.ts';
import { errorMessage } from '../controllers/common/status-error.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const EXAMPLE_MANIFEST = path.join(ROOT, 'examples', 'local-application.yaml');
const say = (line: string) => console.log(line);

export async function embedded(opts: LocalOptions & { waitMs?: number }): Promise<number> {
  const started = Date.now();
  await localUp(opts, { quiet: true });
  const state = await readState(opts.dir);
  if (!state) throw new DevClusterError('starting the local cluster', `no state in ${opts.dir}`);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  say('installing the CRDs');
  await installCrds(kc);
  await ensureFlinkServiceAccount(kc, 'default');
  await ensureOperator(opts.dir, state.kubeconfig);

  const manifest = YAML.parse(await fsp.readFile(EXAMPLE_MANIFEST, 'utf8')) as FlinkDeployment;
  const name = manifest.metadata.name!;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await custom
    .createNamespacedCustomObject({
      group: 'flink.apache.org',
      version: 'v1beta1',
      namespace: 'default',
      plural: 'flinkdeployments',
      body: manifest,
    })
    .then(
      () => say(`applied ${path.relative(process.cwd(), EXAMPLE_MANIFEST)} (FlinkDeployment ${name})`),
      (err: unknown) => {
        if ((err as { code?: number }).code !== 409) throw err;
        say(`FlinkDeployment ${name} already exists`);
      },
    );

  say('waiting for the job to run on Flink (the first run downloads Flink, about 300 MB)');
  const deadline = Date.now() + (opts.waitMs ?? 8 * 60_000);
  let last = '';
  for (;;) {
    const d = (await custom.getNamespacedCustomObject({
      group: 'flink.apache.org',
      version: 'v1beta1',
      namespace: 'default',
      plural: 'flinkdeployments',
      name,
    })) as FlinkDeployment;
    const jobState = d.status?.jobStatus?.state ?? '-';
    const line = `  lifecycle ${d.status?.lifecycleState ?? '-'}, job ${jobState}, JobManager ${d.status?.jobManagerDeploymentStatus ?? '-'}`;
    if (line !== last) say(line);
    last = line;
    if (jobState === 'RUNNING' && d.status?.lifecycleState === 'STABLE') break;
    if (d.status?.error) say(`  status.error: ${errorMessage(d.status.error)}`);
    if (Date.now() > deadline) {
      say(`the job did not reach RUNNING in time; see \`kubectl describe flinkdeployment ${name}\``);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  const pods = await kc
    .makeApiClient(k8s.CoreV1Api)
    .listNamespacedPod({ namespace: 'default', labelSelector: `app=${name},component=jobmanager` });
  const ip = pods.items[0]?.status?.podIP;
  say('');
  say(`the example job runs on real Flink (${((Date.now() - started) / 1000).toFixed(0)}s)`);
  say('');
  say(`  export KUBECONFIG=${state.kubeconfig}`);
  say(`  export PATH=${binDir()}:$PATH`);
  say('  kubectl get flinkdeployments');
  if (ip) say(`  Flink UI: http://${ip}:8081`);
  say(`  operator log: ${path.join(opts.dir, 'logs', 'operator.log')}`);
  say('  npx flink-operator local down     # stop everything');
  return 0;
}

/** Starts the operator as a background process of the local cluster, unless one runs already. */
async function ensureOperator(dir: string, kubeconfig: string): Promise<void> {
  const state = await readState(dir);
  const existing = state?.processes.find((p) => p.name === 'operator');
  if (existing && isRunning(existing)) return;
  const healthPort = await freePort();
  const configFile = path.join(dir, 'operator', 'config.yaml');
  await fsp.mkdir(path.dirname(configFile), { recursive: true });
  await fsp.writeFile(
    configFile,
    [
      '# The operator configuration of the embedded mode.',
      // The operator runs on the host, where Service names do not resolve: it reaches pods directly.
      'kubernetes.operator.rest.address-resolution: pod-ip',
      'kubernetes.operator.reconcile.interval: 15 s',
      'kubernetes.operator.observer.progress-check.interval: 2 s',
      `kubernetes.operator.health.probe.port: ${healthPort}`,
      '',
    ].join('\n'),
  );
  const logFile = path.join(dir, 'logs', 'operator.log');
  const tsx = import.meta.resolve('tsx');
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const proc = startProcess(
    'operator',
    process.execPath,
    ['--import', tsx, main, 'run', '--config', configFile, '--kubeconfig', kubeconfig],
    logFile,
  );
  await recordProcess(dir, proc);
  say(`starting the operator (log: ${logFile})`);
  const deadline = Date.now() + 60_000;
  while (!(await healthy(healthPort))) {
    if (!isRunning(proc)) {
      throw new DevClusterError('starting the operator', `it exited:\n${await logTail(logFile)}`, logFile);
    }
    if (Date.now() > deadline)
      throw new DevClusterError('starting the operator', 'not ready after 60s', logFile);
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!fs.existsSync(logFile)) throw new DevClusterError('starting the operator', 'no log file', logFile);
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/readyz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
