import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildCrd, crdFileName, renderCrdYaml } from '../../../src/api/crd.ts';
import { KINDS } from '../../../src/api/kinds.ts';

const CRD_DIR = path.join('deploy', 'crds');

describe('committed CRD manifests', () => {
  for (const def of KINDS) {
    it(`${crdFileName(def)} matches what \`npm run generate\` writes`, () => {
      const committed = fs.readFileSync(path.join(CRD_DIR, crdFileName(def)), 'utf8');
      assert.ok(
        committed === renderCrdYaml(buildCrd(def)),
        `${crdFileName(def)} is stale: run \`npm run generate\``,
      );
    });
  }

  it('has no manifest for a kind we do not define', () => {
    const expected = KINDS.map(crdFileName).sort();
    assert.deepEqual(fs.readdirSync(CRD_DIR).sort(), expected);
  });
});
