/**
 * The example manifests, without a cluster: each is valid and plans to Kubernetes objects, every
 * local state path says what to use on a real cluster, references between examples resolve, and
 * examples/README.md indexes every file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { planManifest } from '../../../src/cli/plan.ts';
import { EXAMPLES_DIR, exampleDocuments, exampleFiles, exampleText } from '../../support/examples.ts';

const files = exampleFiles();
const FLINK_KINDS = new Set(['FlinkDeployment', 'FlinkSessionJob', 'FlinkStateSnapshot']);

test('the examples cover what users copy', () => {
  const folders = new Set(files.map((f) => f.split(path.sep)[0]));
  for (const folder of [
    'application',
    'session',
    'upgrades',
    'snapshots',
    'pod-templates',
    'ingress',
    'logging',
    'sql',
    'python',
    'autoscaler',
    'scheduled',
  ])
    assert.ok(folders.has(folder), `examples/${folder}/`);
});

for (const file of files) {
  test(`examples/${file} is valid and plans its objects`, () => {
    const { text, valid } = planManifest({ manifest: exampleText(file) });
    assert.ok(valid, text);
    const deployments = exampleDocuments(file).filter((d) => d.kind === 'FlinkDeployment');
    const planned = text.match(/objects the operator creates \(\d+\)/g) ?? [];
    assert.equal(planned.length, deployments.length, text);
  });

  test(`examples/${file}: every local state path says what to use on a real cluster`, () => {
    const lines = exampleText(file).split('\n');
    lines.forEach((line, i) => {
      if (!line.includes('file:///')) return;
      let marked = line.includes('# durable storage:');
      for (let j = i - 1; !marked && j >= 0 && lines[j]!.trim().startsWith('#'); j--)
        marked = lines[j]!.includes('# durable storage:');
      assert.ok(marked, `line ${i + 1}: ${line.trim()}`);
    });
  });
}

test('names are unique across the examples, so all of them fit in one namespace', () => {
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const d of exampleDocuments(file)) {
      const key = `${d.kind}/${d.metadata.name}`;
      assert.equal(seen.get(key), undefined, `${key} in ${file} and ${seen.get(key)}`);
      seen.set(key, file);
      assert.equal(d.metadata.namespace, undefined, `${file}: ${key} leaves the namespace to kubectl -n`);
    }
  }
});

test('session jobs and snapshots name resources the examples define', () => {
  const all = files.flatMap((f) => exampleDocuments(f));
  const has = (kind: string, name: unknown) => all.some((d) => d.kind === kind && d.metadata.name === name);
  let references = 0;
  for (const d of all) {
    if (d.kind === 'FlinkSessionJob') {
      const target = d.spec?.deploymentName;
      assert.ok(has('FlinkDeployment', target), `${d.metadata.name} -> FlinkDeployment ${String(target)}`);
      const session = all.find((x) => x.kind === 'FlinkDeployment' && x.metadata.name === target);
      assert.equal(session?.spec?.job, undefined, `${String(target)} is a session cluster`);
      references++;
    }
    if (d.kind === 'FlinkStateSnapshot') {
      const ref = d.spec?.jobReference as { kind: string; name: string };
      assert.ok(has(ref.kind, ref.name), `${d.metadata.name} -> ${ref.kind} ${ref.name}`);
      references++;
    }
  }
  assert.ok(references >= 4, `${references} references checked`);
});

test('examples/README.md lists every example, and every file it links exists', () => {
  const readme = fs.readFileSync(path.join(EXAMPLES_DIR, 'README.md'), 'utf8');
  for (const file of files) assert.ok(readme.includes(`(${file})`), `README links ${file}`);
  const links = [...readme.matchAll(/\]\(([^)#:]+)\)/g)].map((m) => m[1]!);
  assert.ok(links.length >= files.length);
  for (const link of links) assert.ok(fs.existsSync(path.join(EXAMPLES_DIR, link)), `link ${link}`);
});

test('every Flink resource of the examples uses the local Flink lines (1.20, 2.2)', () => {
  for (const file of files) {
    for (const d of exampleDocuments(file)) {
      assert.ok(FLINK_KINDS.has(d.kind) || d.kind === 'ConfigMap', `${file}: ${d.kind}`);
      if (d.kind !== 'FlinkDeployment') continue;
      assert.ok(['v1_20', 'v2_2'].includes(String(d.spec?.flinkVersion)), `${file}: ${d.metadata.name}`);
    }
  }
});
