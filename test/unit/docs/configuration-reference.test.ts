import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import {
  CONFIGURATION_REFERENCE,
  referenceProblems,
  renderConfigurationReference,
} from '../../../scripts/config-reference.ts';

test('every configuration option declared in the code has a description, and no description is orphaned', async () => {
  const problems = await referenceProblems();
  assert.deepEqual(problems.undocumented, [], 'describe these keys in scripts/config-descriptions.ts');
  assert.deepEqual(problems.unknownDescriptions, [], 'these keys are no longer declared in the code');
});

test('docs/configuration.md is what `npm run generate` writes', async () => {
  const committed = fs.readFileSync(CONFIGURATION_REFERENCE, 'utf8');
  assert.ok(
    committed === (await renderConfigurationReference()),
    `${CONFIGURATION_REFERENCE} is stale: run \`npm run generate\``,
  );
});

test('the reference lists keys with their defaults and older names', async () => {
  const text = await renderConfigurationReference();
  assert.match(
    text,
    /\| `kubernetes\.operator\.reconcile\.interval` \| `1m` \| Duration \|.*Older name: `kubernetes\.operator\.reconciler\.reschedule\.interval`/,
  );
  assert.match(text, /\| `kubernetes\.operator\.health\.probe\.port` \| `8085` \| Integer \|/);
  assert.match(text, /\| `kubernetes\.operator\.webhook\.enabled` \| `false` \| Boolean \|/);
});

test('the options validation checks are exactly the options the reference documents', async () => {
  const { ALL_OPTIONS } = await import('../../../src/options.ts');
  const { exportedOptions, optionModules } = await import('../../../scripts/config-reference.ts');
  const documented = new Set<string>();
  for (const { file } of optionModules()) for (const o of await exportedOptions(file)) documented.add(o.key);
  assert.deepEqual(ALL_OPTIONS.map((o) => o.key).sort(), [...documented].sort());
});
