/**
 * The project's test command. Runs the requested tiers with node's test runner; for tiers that
 * need Kubernetes it builds (once, cached) and starts one local control plane for the whole run
 * and hands its kubeconfig to every test file. Each test works in its own namespace.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startControlPlane, stopControlPlane } from '../src/devcluster/controlplane.ts';
import { DevClusterError } from '../src/devcluster/errors.ts';
import { claimPodAddressPrefix, type PodNetworkClaim } from '../src/devcluster/pod-network.ts';
import { COMPAT_DIR } from '../test/support/compat-dir.ts';

const TIERS = ['unit', 'integration', 'e2e'] as const;
type Tier = (typeof TIERS)[number];

function testFiles(tier: Tier): string[] {
  const root = path.join('test', tier);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(root, f))
    .sort();
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const filter = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const tiers = args.filter((a): a is Tier => (TIERS as readonly string[]).includes(a));
  if (tiers.length === 0) tiers.push('unit', 'integration');
  let files = tiers.flatMap(testFiles);
  // `--only=a,b` keeps the files whose path contains any of the substrings.
  if (filter) files = files.filter((f) => filter.split(',').some((part) => f.includes(part)));
  if (files.length === 0) {
    console.error(`no test files found for ${tiers.join(', ')}`);
    return 1;
  }
  // Outside CI the tests that need the fixtures skip, each naming why; CI must run them all.
  if (process.env.CI === 'true' && !fs.existsSync(COMPAT_DIR)) {
    console.error(
      `error: CI=true needs the compatibility fixtures, not found at ${COMPAT_DIR} (set FLINK_OPERATOR_COMPAT_DIR)`,
    );
    return 1;
  }
  const needsCluster = files.some((f) => !f.startsWith(path.join('test', 'unit')));
  const env: NodeJS.ProcessEnv = { ...process.env };
  let clusterDir: string | undefined;
  let podNetwork: PodNetworkClaim | undefined;
  const cleanup = async () => {
    if (clusterDir) {
      const dir = clusterDir;
      clusterDir = undefined;
      await stopControlPlane(dir);
      if (!process.env.KEEP_TEST_CLUSTER) fs.rmSync(dir, { recursive: true, force: true });
    }
    podNetwork?.release();
    podNetwork = undefined;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  try {
    if (needsCluster) {
      clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-operator-test-'));
      const started = Date.now();
      podNetwork = claimPodAddressPrefix();
      const state = await startControlPlane({
        dir: clusterDir,
        podAddressPrefix: podNetwork.prefix,
        log: (l) => console.log(`[control plane] ${l}`),
      });
      console.log(
        `[control plane] ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${state.server}`,
      );
      env.FLINK_OPERATOR_TEST_KUBECONFIG = state.kubeconfig;
      env.FLINK_OPERATOR_TEST_CLUSTER_DIR = clusterDir;
    }
    const concurrency = process.env.TEST_CONCURRENCY ?? String(Math.max(2, os.cpus().length));
    return await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
        { stdio: 'inherit', env },
      );
      child.on('close', (code) => resolve(code ?? 1));
    });
  } catch (err) {
    console.error(err instanceof DevClusterError ? err.message : err);
    return 1;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();
