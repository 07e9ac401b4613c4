/**
 * `npm run generate`: writes what is derived from the code — the CRD manifests under deploy/crds/
 * and the Helm chart's crds/ (from the TypeScript schemas in src/api), and the configuration
 * reference docs/configuration.md (from the exported configuration options).
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildCrd, crdFileName, renderCrdYaml } from '../src/api/crd.ts';
import { KINDS } from '../src/api/kinds.ts';
import { CONFIGURATION_REFERENCE, renderConfigurationReference } from './config-reference.ts';

export const CRD_DIRS = [path.join('deploy', 'crds'), path.join('charts', 'flink-operator', 'crds')];

for (const dir of CRD_DIRS) {
  fs.mkdirSync(dir, { recursive: true });
  for (const def of KINDS) {
    const file = path.join(dir, crdFileName(def));
    fs.writeFileSync(file, renderCrdYaml(buildCrd(def)));
    console.log(`wrote ${file}`);
  }
}
fs.writeFileSync(CONFIGURATION_REFERENCE, await renderConfigurationReference());
console.log(`wrote ${CONFIGURATION_REFERENCE}`);
