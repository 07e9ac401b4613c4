import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildCrd, crdFileName, renderCrdYaml } from '../../../src/api/crd.ts';
import { KINDS } from '../../../src/api/kinds.ts';

// The manifests for kubectl, and the copy the Helm chart installs.
const CRD_DIRS = [path.join('deploy', 'crds'), path.join('charts', 'flink-operator', 'crds')];

for (const dir of CRD_DIRS) {
  describe(`committed CRD manifests in ${dir}`, () => {
    for (const def of KINDS) {
      it(`${crdFileName(def)} matches what \`npm run generate\` writes`, () => {
        const committed = fs.readFileSync(path.join(dir, crdFileName(def)), 'utf8');
        assert.ok(
          committed === renderCrdYaml(buildCrd(def)),
          `${dir}/${crdFileName(def)} is stale: run \`npm run generate\``,
        );
      });
    }

    it('has no manifest for a kind we do not define', () => {
      const expected = KINDS.map(crdFileName).sort();
      assert.deepEqual(fs.readdirSync(dir).sort(), expected);
    });
  });
}
