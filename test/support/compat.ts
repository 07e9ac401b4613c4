/**
 * The Apache operator's compatibility fixtures (CRDs, examples, e2e data), which live outside the
 * project. A user's clone has none: tests that need them skip with the reason; under CI=true their
 * absence is one failing test.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { COMPAT_DIR } from './compat-dir.ts';

export { COMPAT_DIR };

/** A path inside the fixtures. */
export const compatPath = (...parts: string[]) => path.join(COMPAT_DIR, ...parts);

/**
 * False when the fixtures are present; otherwise the skip reason for the tests that need them
 * (and, under CI=true, one failing test that names the missing directory).
 */
export function compatSkip(): string | false {
  if (fs.existsSync(COMPAT_DIR)) return false;
  const reason = `compatibility fixtures not found at ${COMPAT_DIR} (set FLINK_OPERATOR_COMPAT_DIR)`;
  if (process.env.CI === 'true') {
    test('compatibility fixtures are present (required under CI=true)', () => assert.fail(reason));
  }
  return reason;
}
