/** `npm run generate`: writes the CRD manifests under deploy/crds/ from the TypeScript schemas in src/api. */
import fs from 'node:fs';
import path from 'node:path';
import { buildCrd, crdFileName, renderCrdYaml } from '../src/api/crd.ts';
import { KINDS } from '../src/api/kinds.ts';

export const CRD_DIR = path.join('deploy', 'crds');

fs.mkdirSync(CRD_DIR, { recursive: true });
for (const def of KINDS) {
  const file = path.join(CRD_DIR, crdFileName(def));
  fs.writeFileSync(file, renderCrdYaml(buildCrd(def)));
  console.log(`wrote ${file}`);
}
