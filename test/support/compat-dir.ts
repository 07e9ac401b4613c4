import path from 'node:path';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Where the compatibility fixtures are read from: FLINK_OPERATOR_COMPAT_DIR, else ../shared/compat/upstream. */
export const COMPAT_DIR = path.resolve(
  PROJECT_ROOT,
  process.env.FLINK_OPERATOR_COMPAT_DIR ?? path.join('..', 'shared', 'compat', 'upstream'),
);
