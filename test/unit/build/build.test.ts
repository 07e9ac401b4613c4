/** `npm run build` output runs on plain Node.js: no tsx, `.ts` imports rewritten, data files copied. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';

// Inside the checkout, so the compiled modules resolve the project's node_modules.
const out = path.join('.tmp', `build-test-${process.pid}`);
after(() => fs.rmSync(out, { recursive: true, force: true }));

test('the compiled CLI plans the example without tsx', { timeout: 180_000 }, () => {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--out-dir', out], {
    stdio: 'pipe',
  });
  assert.ok(fs.existsSync(path.join(out, 'api', 'schema', 'kubernetes-pod.schema.json')));
  const main = fs.readFileSync(path.join(out, 'cli', 'main.js'), 'utf8');
  assert.doesNotMatch(main, /from '[^']+\.ts'/);
  // Plain node: no --import tsx, so any TypeScript left in the output fails here.
  const plan = execFileSync(
    process.execPath,
    [path.join(out, 'cli', 'main.js'), 'plan', '-f', 'examples/local-application.yaml'],
    {
      encoding: 'utf8',
    },
  );
  assert.match(plan, /^# validation: OK$/m);
  assert.match(plan, /^kind: Deployment$/m);
});
