import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DevClusterError } from './errors.ts';
import {
  BINARIES,
  PINNED,
  binDir,
  binaryPath,
  goCacheDirs,
  versionCacheDir,
  type BinaryName,
} from './versions.ts';

/**
 * Builds etcd, kube-apiserver, kube-controller-manager, kubectl and helm from their published Go
 * modules, into `~/.cache/flink-operator/<version>/bin`. Each binary comes from a small generated
 * main module: Kubernetes' own go.mod points its staging modules at local folders, which a
 * dependency cannot use, so our module maps each of them to its published v0.X.Y release.
 */

type Log = (line: string) => void;

interface WrapperModule {
  name: string;
  require: Record<string, string>;
  /** Extra go.mod lines (replace blocks). */
  extra: string[];
  mains: { binary: BinaryName; source: string; ldflags: string[] }[];
}

const GO_HEADER_VERSION = '1.26.0';

export function binariesPresent(): boolean {
  return BINARIES.every((b) => fs.existsSync(binaryPath(b)));
}

/** Ensures every binary of the pinned version exists, building what is missing. Safe to call concurrently. */
export async function ensureBinaries(log: Log = () => {}): Promise<string> {
  if (binariesPresent()) return binDir();
  await withBuildLock(async () => {
    if (binariesPresent()) return;
    await checkGo();
    const started = Date.now();
    log(
      `building the local control plane (${describePinned()}) into ${binDir()}; the first build takes a while`,
    );
    for (const module of await wrapperModules()) {
      const missing = module.mains.filter((m) => !fs.existsSync(binaryPath(m.binary)));
      if (missing.length > 0) await buildModule(module, missing, log);
    }
    log(`control plane binaries ready in ${Math.round((Date.now() - started) / 1000)}s`);
  });
  return binDir();
}

export function describePinned(): string {
  return `Kubernetes ${PINNED.kubernetes}, etcd ${PINNED.etcd}, helm ${PINNED.helm}`;
}

async function withBuildLock(fn: () => Promise<void>): Promise<void> {
  await fsp.mkdir(versionCacheDir(), { recursive: true });
  const lock = path.join(versionCacheDir(), 'build.lock');
  for (;;) {
    try {
      await fsp.writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await fsp.readFile(lock, 'utf8').catch(() => '0'));
      if (!holder || !processAlive(holder)) {
        await fsp.rm(lock, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    await fn();
  } finally {
    await fsp.rm(lock, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function goEnv(): NodeJS.ProcessEnv {
  const { modCache, buildCache } = goCacheDirs();
  return {
    ...process.env,
    GOMODCACHE: modCache,
    GOCACHE: buildCache,
    GOFLAGS: '-mod=mod',
    CGO_ENABLED: '0',
    GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local',
  };
}

async function checkGo(): Promise<void> {
  const out = await run('go', ['env', 'GOVERSION'], {
    cwd: process.cwd(),
    step: 'checking the Go toolchain',
  });
  const match = /go(\d+)\.(\d+)/.exec(out);
  if (!match || Number(match[1]) < 1 || (Number(match[1]) === 1 && Number(match[2]) < 26)) {
    throw new DevClusterError(
      'checking the Go toolchain',
      `Go ${GO_HEADER_VERSION} or newer is needed to build ${describePinned()}, found ${out.trim() || 'none'}`,
    );
  }
}

/** The staging modules that k8s.io/kubernetes replaces with local folders, read from its published go.mod. */
async function stagingModules(logFile: string): Promise<string[]> {
  const out = await run('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${PINNED.kubernetes}`], {
    cwd: versionCacheDir(),
    step: `downloading k8s.io/kubernetes@${PINNED.kubernetes}`,
    logFile,
  });
  const info = JSON.parse(out) as { GoMod?: string; Error?: string };
  if (!info.GoMod)
    throw new DevClusterError('reading the Kubernetes go.mod', info.Error ?? 'no GoMod in output', logFile);
  const goMod = await fsp.readFile(info.GoMod, 'utf8');
  const modules = [...goMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map(
    (m) => m[1] as string,
  );
  if (modules.length === 0)
    throw new DevClusterError('reading the Kubernetes go.mod', 'no staging replaces found', logFile);
  return modules;
}

function versionLdflags(): string[] {
  const [major, minor] = PINNED.kubernetes.replace(/^v/, '').split('.');
  const flags: string[] = [];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${PINNED.kubernetes}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    );
  }
  return flags;
}

const componentMain = (appImport: string, constructor: string) => `package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"${appImport}"
)

func main() {
	os.Exit(cli.Run(app.${constructor}()))
}
`;

const kubectlMain = `package main

import (
	"os"

	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	_, _ = logs.GlogSetter(cmd.GetLogVerbosity(os.Args))
	if err := cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()); err != nil {
		util.CheckErr(err)
	}
}
`;

const etcdMain = `package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
`;

async function wrapperModules(): Promise<WrapperModule[]> {
  const logFile = path.join(versionCacheDir(), 'logs', 'go-mod-download.log');
  await fsp.mkdir(path.dirname(logFile), { recursive: true });
  const staging = await stagingModules(logFile);
  const k8sVersion = versionLdflags();
  return [
    {
      name: 'etcd',
      require: { 'go.etcd.io/etcd/server/v3': PINNED.etcd },
      extra: [],
      mains: [{ binary: 'etcd', source: etcdMain, ldflags: [] }],
    },
    {
      name: 'kubernetes',
      require: { 'k8s.io/kubernetes': PINNED.kubernetes },
      extra: ['replace (', ...staging.map((m) => `\t${m} => ${m} ${PINNED.stagingModules}`), ')'],
      mains: [
        {
          binary: 'kube-apiserver',
          source: componentMain('k8s.io/kubernetes/cmd/kube-apiserver/app', 'NewAPIServerCommand'),
          ldflags: k8sVersion,
        },
        {
          binary: 'kube-controller-manager',
          source: componentMain(
            'k8s.io/kubernetes/cmd/kube-controller-manager/app',
            'NewControllerManagerCommand',
          ),
          ldflags: k8sVersion,
        },
        { binary: 'kubectl', source: kubectlMain, ldflags: k8sVersion },
      ],
    },
    {
      name: 'helm',
      require: { 'helm.sh/helm/v3': PINNED.helm },
      extra: [],
      // helm v3 keeps its root command in package main, so we build its own main package.
      mains: [
        {
          binary: 'helm',
          source: '',
          ldflags: [`-X helm.sh/helm/v3/internal/version.version=${PINNED.helm}`],
        },
      ],
    },
  ];
}

async function buildModule(module: WrapperModule, mains: WrapperModule['mains'], log: Log): Promise<void> {
  const dir = path.join(versionCacheDir(), 'src', module.name);
  const logFile = path.join(versionCacheDir(), 'logs', `build-${module.name}.log`);
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(logFile, '');
  const requires = Object.entries(module.require).map(([m, v]) => `\t${m} ${v}`);
  const goMod = [
    `module local.flink-operator/${module.name}`,
    '',
    `go ${GO_HEADER_VERSION}`,
    '',
    `godebug default=go1.26`,
    '',
    'require (',
    ...requires,
    ')',
    '',
    ...module.extra,
    '',
  ].join('\n');
  await fsp.writeFile(path.join(dir, 'go.mod'), goMod);
  const targets: { binary: BinaryName; pkg: string; ldflags: string[] }[] = [];
  for (const main of mains) {
    if (main.source) {
      const mainDir = path.join(dir, 'cmd', main.binary);
      await fsp.mkdir(mainDir, { recursive: true });
      await fsp.writeFile(path.join(mainDir, 'main.go'), main.source);
      targets.push({ binary: main.binary, pkg: `./cmd/${main.binary}`, ldflags: main.ldflags });
    } else {
      targets.push({ binary: main.binary, pkg: 'helm.sh/helm/v3/cmd/helm', ldflags: main.ldflags });
    }
  }
  if (targets.some((t) => !t.pkg.startsWith('./'))) {
    // Keep the non-local main package in the module graph for `go mod tidy`.
    const pkgs = targets.filter((t) => !t.pkg.startsWith('./')).map((t) => `\t_ "${t.pkg}"`);
    await fsp.writeFile(
      path.join(dir, 'tools.go'),
      `//go:build tools\n\npackage tools\n\nimport (\n${pkgs.join('\n')}\n)\n`,
    );
  }
  log(`resolving Go modules for ${module.name} (log: ${logFile})`);
  await run('go', ['mod', 'tidy'], { cwd: dir, step: `resolving Go modules for ${module.name}`, logFile });
  await fsp.mkdir(binDir(), { recursive: true });
  for (const target of targets) {
    log(`compiling ${target.binary} (log: ${logFile})`);
    const tmp = `${binaryPath(target.binary)}.tmp-${process.pid}`;
    await run(
      'go',
      [
        'build',
        '-pgo=off',
        '-trimpath',
        '-ldflags',
        ['-s', '-w', ...target.ldflags].join(' '),
        '-o',
        tmp,
        target.pkg,
      ],
      { cwd: dir, step: `compiling ${target.binary}`, logFile },
    );
    await fsp.rename(tmp, binaryPath(target.binary));
  }
}

interface RunOptions {
  cwd: string;
  step: string;
  logFile?: string;
}

/** Runs a Go command, appending its output to the step's log; fails with the step and log named. */
function run(cmd: string, args: string[], opts: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const log = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    log?.write(`$ ${cmd} ${args.join(' ')}\n`);
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      log?.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-2000);
      log?.write(d);
    });
    child.on('error', (err) => {
      log?.end();
      reject(new DevClusterError(opts.step, `cannot run ${cmd}: ${err.message}`, opts.logFile));
    });
    child.on('close', (code) => {
      log?.end();
      if (code === 0) resolve(stdout);
      else {
        const lastLine = stderrTail.trim().split('\n').slice(-3).join(' | ');
        reject(new DevClusterError(opts.step, `${cmd} exited with ${code}: ${lastLine}`, opts.logFile));
      }
    });
  });
}
