/**
 * The Dockerfile cannot be built here (no container engine), so its rules are checked on its text:
 * pinned slim Node.js 20 base, non-root user, no remote ADD, production dependencies only, the
 * CLI as entrypoint, a health check; and every file it copies from the build context exists.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';

interface Instruction {
  op: string;
  args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const at = l.search(/\s/);
      return { op: l.slice(0, at).toUpperCase(), args: l.slice(at + 1).trim() };
    });
}

const instructions = parseDockerfile(fs.readFileSync('Dockerfile', 'utf8'));
const stages: Instruction[][] = [];
for (const i of instructions) {
  if (i.op === 'FROM') stages.push([]);
  stages.at(-1)?.push(i);
}
const final = stages.at(-1)!;
const find = (stage: Instruction[], op: string) => stage.filter((i) => i.op === op);

test('every stage starts from a slim Node.js 20 image pinned to an exact version', () => {
  for (const from of find(instructions, 'FROM')) {
    const image = from.args.split(/\s+/)[0]!;
    assert.match(image, /^node:20\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/, image);
  }
});

test('the final image runs as a non-root user', () => {
  const users = find(final, 'USER');
  assert.ok(users.length > 0, 'no USER in the final stage');
  const user = users.at(-1)!.args.split(':')[0]!;
  assert.notEqual(user, 'root');
  assert.notEqual(user, '0');
  assert.match(user, /^\d+$/, 'a numeric user lets Kubernetes check runAsNonRoot');
  assert.ok(
    final.indexOf(users.at(-1)!) < final.indexOf(find(final, 'ENTRYPOINT')[0]!),
    'USER comes before ENTRYPOINT',
  );
});

test('nothing is fetched by ADD; files come from the build context or the build stage', () => {
  assert.equal(find(instructions, 'ADD').length, 0);
  for (const copy of find(instructions, 'COPY')) {
    if (copy.args.startsWith('--from=')) continue;
    const sources = copy.args
      .split(/\s+/)
      .filter((a) => !a.startsWith('--'))
      .slice(0, -1);
    for (const source of sources) assert.ok(fs.existsSync(source), `COPY source ${source} does not exist`);
  }
});

test('the final image has production dependencies only and runs the compiled CLI', () => {
  const build = stages.slice(0, -1).flat();
  assert.ok(
    build.some((i) => i.op === 'RUN' && /npm prune --omit=dev|npm ci .*--omit=dev/.test(i.args)),
    'dev dependencies are removed before node_modules is copied',
  );
  assert.ok(build.some((i) => i.op === 'RUN' && /npm run build/.test(i.args)));
  assert.equal(find(final, 'RUN').length, 0, 'the final stage only copies');
  assert.deepEqual(JSON.parse(find(final, 'ENTRYPOINT')[0]!.args), ['node', 'dist/cli/main.js']);
  assert.deepEqual(JSON.parse(find(final, 'CMD')[0]!.args), ['run']);
  assert.match(
    find(final, 'ENV')
      .map((e) => e.args)
      .join(' '),
    /NODE_ENV=production/,
  );
});

test('a health check probes the health endpoint the chart probes', () => {
  const check = find(final, 'HEALTHCHECK')[0];
  assert.ok(check, 'no HEALTHCHECK');
  assert.match(check.args, /127\.0\.0\.1:8085\/healthz/);
});

test('the build context leaves out local installs and build output', () => {
  const ignored = fs.readFileSync('.dockerignore', 'utf8').split(/\r?\n/);
  for (const entry of ['node_modules', 'dist', '.git']) assert.ok(ignored.includes(entry), entry);
});

test('the chart deploys this image by default', () => {
  const values = fs.readFileSync('charts/flink-operator/values.yaml', 'utf8');
  assert.match(values, /repository: ghcr\.io\/flink-operator\/flink-operator\n/);
});
