/**
 * `npm run build`: compiles src/ to JavaScript (imports rewritten from `.ts` to `.js`) and copies
 * the data files the code loads at run time, so the operator runs on plain Node.js without tsx
 * (the container image). `--out-dir DIR` writes elsewhere than dist/ (tests).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist' } } });
const outDir = path.resolve(ROOT, values['out-dir'] ?? 'dist');

fs.rmSync(outDir, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    outDir,
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
// Data files read through require/fs next to the modules that use them.
const src = path.join(ROOT, 'src');
for (const file of fs.readdirSync(src, { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.json')) continue;
  fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
  fs.copyFileSync(path.join(src, file), path.join(outDir, file));
}
console.log(`built ${path.relative(ROOT, outDir) || '.'}`);
