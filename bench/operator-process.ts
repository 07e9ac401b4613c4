/**
 * The operator under test as its own process, as the container image runs it: `flink-operator
 * run` from the compiled `dist/` build (plain Node.js, no tsx), with a config file and the
 * operator identity's kubeconfig. Reads its CPU time and resident memory from /proc and its
 * Prometheus metrics over HTTP.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { freePort } from '../src/devcluster/ports.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Inside the checkout so the build resolves node_modules; ignored by git (`bench/results/*.tmp`). */
const BUILD_DIR = path.join(ROOT, 'bench', 'results', 'operator-dist.tmp');
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export function buildOperator(): string {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--out-dir', BUILD_DIR], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return path.join(BUILD_DIR, 'cli', 'main.js');
}

export interface ProcessSample {
  /** User + system CPU time so far, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
  at: number;
}

export interface OperatorProcessOptions {
  main: string;
  kubeconfig: string;
  dir: string;
  /** Extra operator configuration (flat `kubernetes.operator.*` keys). */
  config: Record<string, string>;
  /** Node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
}

export class OperatorProcess {
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly spawnedAt: number;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  private constructor(
    opts: OperatorProcessOptions,
    healthPort: number,
    metricsPort: number,
    configFile: string,
  ) {
    this.healthPort = healthPort;
    this.metricsPort = metricsPort;
    const log = fs.openSync(path.join(opts.dir, 'operator.log'), 'a');
    this.spawnedAt = Date.now();
    this.child = spawn(
      process.execPath,
      [
        ...(opts.nodeFlags ?? []),
        opts.main,
        'run',
        `--config=${configFile}`,
        `--kubeconfig=${opts.kubeconfig}`,
        '--bind-address=127.0.0.1',
      ],
      { cwd: opts.dir, stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  static async start(opts: OperatorProcessOptions): Promise<OperatorProcess> {
    const healthPort = await freePort();
    const metricsPort = await freePort();
    const configFile = path.join(opts.dir, 'operator-config.yaml');
    await fsp.writeFile(
      configFile,
      YAML.stringify({
        'kubernetes.operator.health.probe.port': healthPort,
        'kubernetes.operator.metrics.reporter.prom.factory.class':
          'org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
        'kubernetes.operator.metrics.reporter.prom.port': metricsPort,
        ...opts.config,
      }),
    );
    return new OperatorProcess(opts, healthPort, metricsPort, configFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  sample(): ProcessSample {
    const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    return { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, rssBytes: rssKb * 1024, at: Date.now() };
  }

  async ready(): Promise<boolean> {
    return httpOk(`http://127.0.0.1:${this.healthPort}/readyz`);
  }

  /** The sum of a counter over all its label sets, from the operator's Prometheus endpoint. */
  async counter(name: string): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').pop());
    }
    return sum;
  }

  /** Asks for a heap snapshot (the process runs with `--heapsnapshot-signal=SIGUSR2`) and waits for it. */
  async heapSnapshot(): Promise<void> {
    const before = this.sample().cpuSeconds;
    this.child.kill('SIGUSR2');
    // Writing the snapshot keeps the process busy; it is done when the CPU time stops moving.
    let last = before;
    for (;;) {
      await new Promise((r) => setTimeout(r, 2000));
      const now = this.sample().cpuSeconds;
      if (now > before && now - last < 0.05) return;
      last = now;
    }
  }

  /** SIGTERM, then waits for the process to end. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
