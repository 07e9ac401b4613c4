#!/usr/bin/env node
// From a checkout the TypeScript CLI runs directly through tsx (no build step). An installation
// without dev dependencies (the container image) has no tsx and runs the build in dist/.
let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  register = undefined;
}
if (register) {
  register();
  await import('../src/cli/main.ts');
} else {
  await import('../dist/cli/main.js');
}
